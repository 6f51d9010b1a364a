#!/usr/bin/env bash
# The tree's own rules, checked as an allow-list: what each part may include, calls that are
# banned, the one caller of mutating backend slots, the one frame path, and the formatting.
#
#   tests/lint.sh [ROOT]      ROOT defaults to the checkout this script is in
#
# Prints one line per violation ("file:line: rule: text") and "lint ok" when there is none;
# exits 1 on any violation, 2 when a tool it needs is missing. tests/integration/test_lint.py
# plants each kind of violation in a copy of the tree and expects this script to fail on it.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2
CC=${CC:-cc}
bad=0

say() { # file:line: rule: text
    printf '%s\n' "$1"
    bad=1
}

# Every C file of a part, tracked or not (a planted file counts), never the build output.
files_of() {
    find "$@" -type f \( -name '*.c' -o -name '*.h' \) -not -path '*/build*' 2>/dev/null | sort
}

CORE=$(files_of core)
CLI=$(files_of cli)
TUI=$(files_of tui)
INC=$(files_of include)

# --- includes, as an allow-list -------------------------------------------------------------
# Third-party libraries the core may use; the front ends never see them.
THIRD='curl/|cjson/|cJSON\.h|sqlite3\.h|yaml\.h|ini\.h|expat\.h'
CURSES='n?curses(w)?/|n?curses\.h|panel\.h|menu\.h|form\.h|term\.h'

check_includes() { # part file
    local part=$1 f=$2 n=0 line inc
    local re='^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]+)[>"]'
    while IFS= read -r line; do
        n=$((n + 1))
        [[ $line =~ $re ]] || continue
        local kind=${BASH_REMATCH[1]} inc=${BASH_REMATCH[2]}
        if [[ $inc == *../* || $inc == ../* ]]; then
            say "$f:$n: include: a path with '..' ($inc): name headers from include/ or core/"
            continue
        fi
        if [[ $kind == '<' ]]; then
            case $part in
            core)
                [[ $inc =~ ^($CURSES) ]] && say "$f:$n: layering: core includes curses ($inc)" ;;
            cli)
                [[ $inc =~ ^($CURSES) ]] && say "$f:$n: layering: cli includes curses ($inc)"
                [[ $inc =~ ^($THIRD) ]] && say "$f:$n: layering: cli includes $inc (core only)" ;;
            tui)
                [[ $inc =~ ^($THIRD) ]] && say "$f:$n: layering: tui includes $inc (core only)" ;;
            include)
                [[ $inc =~ ^($CURSES|$THIRD) ]] &&
                    say "$f:$n: layering: a public header includes $inc" ;;
            esac
            continue
        fi
        # quoted: must name a header of the part itself or a public one
        if [[ $inc == mldeck/* ]]; then
            [[ -f include/$inc ]] || say "$f:$n: include: no public header include/$inc"
            # the deck knows nothing of the layer built on it
            [[ $f == core/deck/* && $inc == mldeck/action.h ]] &&
                say "$f:$n: layering: core/deck includes the action layer ($inc)"
            continue
        fi
        local dir
        dir=$(dirname "$f")
        case $part in
        core)
            # the deck and the action layer meet only through include/mldeck/
            if [[ $f == core/deck/* || $f == core/action/* ]] && ! [[ -f $dir/$inc && $inc != */* ]]; then
                say "$f:$n: layering: core/deck and core/action include only mldeck/*.h and their own headers ($inc)"
            fi
            if [[ -f $dir/$inc && $inc != */* ]] || [[ -f core/$inc ]]; then
                local target
                [[ -f $dir/$inc && $inc != */* ]] && target=$dir/$inc || target=core/$inc
                if [[ $target =~ ^core/backends/[^/]+/.*_int\.h$ && $f != core/backends/* ]]; then
                    say "$f:$n: layering: only core/backends includes a backend's private header ($inc)"
                fi
            else
                say "$f:$n: include: '$inc' is neither in $dir nor under core/ (core never includes tui)"
            fi ;;
        cli)
            [[ $inc != */* && -f cli/$inc ]] ||
                say "$f:$n: include: cli may include only mldeck/*.h and cli/*.h, not '$inc'" ;;
        tui)
            if [[ $inc != */* && -f tui/$inc ]]; then
                :
            elif [[ $inc == cli.h && $f == tui/main.c ]]; then
                : # the one door from the console binary to the headless commands
            else
                say "$f:$n: include: tui may include only mldeck/*.h and tui/*.h, not '$inc'"
            fi ;;
        include)
            say "$f:$n: include: a public header includes '$inc' (only mldeck/*.h)" ;;
        esac
    done <"$f"
}

for f in $CORE; do check_includes core "$f"; done
for f in $CLI; do check_includes cli "$f"; done
for f in $TUI; do check_includes tui "$f"; done
for f in $INC; do check_includes include "$f"; done

# --- calls ------------------------------------------------------------------------------------
# Banned: unbounded or unchecked C library calls (STYLE.md rule 25); comment lines aside.
while IFS= read -r hit; do
    [ -n "$hit" ] && say "${hit%%:*}:$(cut -d: -f2 <<<"$hit"): banned call: $(cut -d: -f3- <<<"$hit" | sed 's/^[[:space:]]*//')"
done < <(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|gets|atoi|atol|atof|strtok|system)[[:space:]]*\(' \
    $CORE $CLI $TUI /dev/null | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')

# Mutating backend slots: the action layer is their only caller.
while IFS= read -r hit; do
    [ -n "$hit" ] && say "$hit: mutation: a mutating backend slot called outside core/action/"
done < <(grep -nE -e '->(set_alias|delete_alias|update_endpoint|set_weights|set_approval)[[:space:]]*\(' \
    $CORE $CLI $TUI /dev/null | grep -v '^core/action/' | cut -d: -f1-2)

# One frame path: refresh and colour pairs only in ui.c and theme_curses.c.
while IFS= read -r hit; do
    [ -n "$hit" ] && say "$hit: frame: refresh/COLOR_PAIR outside tui/ui.c and tui/theme_curses.c"
done < <(grep -nE '\b(w?refresh|COLOR_PAIR)[[:space:]]*\(' $TUI /dev/null |
    grep -vE '^tui/(ui|theme_curses)\.c:' | cut -d: -f1-2)

# --- every public header compiles alone -------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in include/mldeck/*.h; do
    echo "#include \"mldeck/$(basename "$h")\"" >"$tmp/one.c"
    if ! out=$($CC -std=c11 -Wall -Wextra -Werror -Iinclude -fsyntax-only "$tmp/one.c" 2>&1); then
        say "$h:1: header: does not compile on its own: $(head -1 <<<"$out")"
    fi
done

# --- formatting --------------------------------------------------------------------------------
if ! command -v clang-format >/dev/null; then
    echo "lint: clang-format not found (apt-get install clang-format)" >&2
    exit 2
fi
FMT=$(files_of core include cli tui tests/unit tests/fuzz tests/tools)
# shellcheck disable=SC2086
if ! out=$(clang-format --dry-run -Werror $FMT 2>&1); then
    grep -E '^[^ ]+:[0-9]+:[0-9]+: error' <<<"$out" | sed -E 's/: error: .*/: format: differs from .clang-format (run clang-format -i)/' |
        sort -u -t: -k1,1 | while IFS= read -r l; do printf '%s\n' "$l"; done
    bad=1
fi

if [ "$bad" -ne 0 ]; then
    echo "lint failed"
    exit 1
fi
echo "lint ok"
