"""Key-mash for the read-only tests: a long, reproducible run of keys over every screen.

What counts as a write is decided by the witnesses, exactly: servers.is_mutation() for a
real MLflow's access log (PUT, PATCH, DELETE, and every POST but */search), and for the
fake Resource Manager its request log's "mutates" (PUT, PATCH, DELETE, and every POST but
getLogs by its full path shape and MLflow's search POSTs; tests/fake_azure.py).

    moves = mash_moves(seed=20261126, n=600, names=["fraud-scorer", ...], commands=[...])
    seen = play(term, moves)       # sends them; returns the screen titles it passed through

A move is a list of tmux key names. Most are single keys drawn from ALPHABET (every key
the console binds, the mutating ones `r`, `w`, `u` included, `L` and `c` of the logs
pane (getLogs is a POST that only reads), plus letters and editing keys); some are
macros: a ':' command that opens a screen (`:deploy NAME`, `:models`, ...), a '/'
filter, or a name typed as if into a confirmation dialog followed by Enter.

Never sent: `q` (it quits, which would end the mash early), Ctrl-C, Ctrl-Z, Ctrl-\\ and
';' (a tmux command separator).
"""

import random
import time

# Keys the console binds, and plain keys it should ignore; no 'q'.
ALPHABET = (
    ["j", "k", "g", "G", "Enter", "Escape", "r", "w", "u", "s", "S", "<", ">", "?", "Space",
     "Tab", "BSpace", "C-r", "C-l", "C-u", "C-w", "C-b", "C-f", "Up", "Down", "Left", "Right",
     "PageUp", "PageDown", "Home", "End", "/", "c", "t", "[", "]", "m", "x", "y", "0", "1", "-",
     "=", ",", "."]
    + list("abdefhilnopvz") + ["L"]
)
# The mutating keys come up more often than chance alone would have them.
WEIGHTED = ["r", "w", "u", "Enter", "Escape", "j", "k", "L"]

PAUSE_S = 0.02


def keys(text):
    """Text as tmux key names, one per character."""
    return ["Space" if c == " " else c for c in text]


def mash_moves(seed, n, names, commands):
    """n moves from a fixed seed. `names`: endpoint or model names typed into dialogs and
    filters; `commands`: ':' command lines (without the ':') that open screens."""
    rnd = random.Random(seed)
    moves = []
    for _ in range(n):
        roll = rnd.random()
        if roll < 0.08:
            moves.append([":"] + keys(rnd.choice(commands)) + ["Enter"])
        elif roll < 0.13:
            # as if confirming a dialog: the name, then Enter
            moves.append(keys(rnd.choice(names)) + ["Enter"])
        elif roll < 0.16:
            moves.append(["/"] + keys(rnd.choice(names)[:5]) + ["Enter"])
        elif roll < 0.19:
            # the weights line: edited and submitted
            moves.append(["w", "C-u"] + keys(f"{rnd.choice(names)[:4]}=100") + ["Enter"])
        elif roll < 0.40:
            moves.append([rnd.choice(WEIGHTED)])
        else:
            moves.append([rnd.choice(ALPHABET)])
    return moves


def play(term, moves, batch=6, sample_every=25):
    """Send the moves a few at a time. Returns the set of view titles (screen line 1,
    first words) seen on the screens sampled along the way."""
    seen = set()
    pending = []
    for i, move in enumerate(moves):
        pending.extend(move)
        if len(pending) >= batch or i == len(moves) - 1:
            term.tmux("send-keys", "-t", term.target, *pending)
            pending = []
            time.sleep(PAUSE_S)
        if i % sample_every == 0:
            lines = term.screen().split("\n")
            if len(lines) > 1:
                seen.add(" ".join(lines[1].split()[:2]))
            if term.dead:
                break
    return seen


def settle(term):
    """Leave whatever is open and come back to the Overview; the program must answer."""
    for _ in range(3):
        term.send("Escape")
    term.send("C-u")
    term.send("Escape")
    term.type(":overview")
    term.send("Enter")
    return term.wait_for("Overview: deployed versions", timeout=20)
