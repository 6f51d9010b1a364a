/*
 * action_audit.c - the audit log is the action layer's: every plan refused,
 * every action started and finished, every outcome settled after a restart
 * is appended to the store's log here, and the list front ends show (the
 * audit screen, "who changed this last") is reloaded after each entry. The
 * read-only gate lives here too, as its refusals are entries of the log.
 */
#include "action_int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUDIT_SHOWN 500

/* user@host, for audit entries: from the account, not from anything a server said. */
static void who_init(md_actions *a)
{
    const char *user = getenv("USER");
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name)
        user = pw->pw_name;
    char host[64] = "localhost";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(a->who, sizeof(a->who), "%s@%s", user ? user : "unknown", host);
    md_sanitize(a->who);
}

/*
 * The newest entries again, after an append or on a refresh (another process
 * may have written some); the old list stays when the store fails.
 */
void action_audit_reload(md_actions *a)
{
    struct md_audit_entry *v = NULL;
    size_t n = 0;
    struct md_err err = MD_ERR_INIT;
    if (md_store_audit_list(md_deck_store(a->deck), AUDIT_SHOWN, &v, &n, &err)) {
        md_log(MD_LOG_WARN, "%s", err.msg);
        return;
    }
    md_store_audit_free(a->audit, a->n_audit);
    a->audit = v;
    a->n_audit = n;
    md_deck_notify(a->deck, MD_CHANGED_AUDIT);
}

void action_audit_init(md_actions *a)
{
    who_init(a);
    action_audit_reload(a);
}

void action_audit_release(md_actions *a)
{
    md_store_audit_free(a->audit, a->n_audit);
    a->audit = NULL;
    a->n_audit = 0;
}

int64_t action_audit(md_actions *a, const struct md_plan *p, const char *phase, const char *outcome,
                     const char *message, int64_t ref_id)
{
    /* The store copies the strings; the entry only lends them. */
    char *action = md_xstrdup(md_action_kind_str(p->kind));
    char *ph = md_xstrdup(phase);
    char *oc = md_xstrdup(outcome);
    char *msg = md_xstrdup0(message);
    struct md_audit_entry e = {
        .ts_ms = md_now_ms(),
        .who = a->who,
        .action = action,
        .backend = p->backend_name,
        .target = p->target,
        .before = p->from,
        .after = p->to,
        .phase = ph,
        .outcome = oc,
        .message = msg,
        .ref_id = ref_id,
    };
    struct md_err err = MD_ERR_INIT;
    md_status st = md_store_audit_append(md_deck_store(a->deck), &e, &err);
    free(action);
    free(ph);
    free(oc);
    free(msg);
    if (st) {
        md_log(MD_LOG_ERROR, "audit entry not written: %s", err.msg);
        return 0;
    }
    action_audit_reload(a);
    return e.id;
}

bool action_audit_has_pending(const md_actions *a, int64_t id)
{
    for (size_t i = 0; i < a->n_audit; i++)
        if (a->audit[i].ref_id == id && !strcmp(a->audit[i].phase, "pending"))
            return true;
    return false;
}

md_status action_gate(md_actions *a, const struct md_plan *p, struct md_err *err)
{
    /* Not an operator's refusal (nor auditable): the store cannot hold the "started" row. */
    const md_store *store = md_deck_store(a->deck);
    if (md_store_read_only(store))
        return md_err_set(err, MD_ERR_DB, "state file '%s' is read-only: mutations refused",
                          md_store_path(store));
    if (!md_deck_read_only(a->deck))
        return MD_OK;
    action_audit(a, p, "finished", "refused", "read-only mode", 0);
    return md_err_set(err, MD_ERR_READ_ONLY, "read-only mode: refusing %s of '%s'",
                      md_action_kind_str(p->kind), p->target);
}

void md_actions_audit(const md_actions *a, const struct md_audit_entry **v, size_t *n)
{
    *v = a->audit;
    *n = a->n_audit;
}

bool md_actions_alias_last_change(const md_actions *a, size_t bi, const char *model,
                                  const char *alias, int64_t *when_ms, char *who, size_t who_len)
{
    struct md_who w;
    if (!md_actions_who_alias(a, bi, model, alias, &w))
        return false;
    *when_ms = w.at_ms ? w.at_ms : w.before_ms;
    snprintf(who, who_len, "%s", w.by);
    return true;
}
