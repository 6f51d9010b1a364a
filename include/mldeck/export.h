/*
 * export.h - entities as JSON or tab-separated text, for the headless CLI
 * (`mldeck get ... --json`) and for tests. The front ends never touch a JSON
 * library; they ask for text here.
 *
 * Each function appends to `out` (capped buffer: MD_ERR_TOO_BIG when the
 * text would not fit). JSON output is one document: an array of objects
 * with snake_case keys mirroring struct fields. TSV output has a header line.
 */
#ifndef MLDECK_EXPORT_H
#define MLDECK_EXPORT_H

#include "mldeck/health.h"
#include "mldeck/model.h"
#include "mldeck/store.h"
#include "mldeck/timeline.h"

enum md_export_format { MD_EXPORT_JSON = 0, MD_EXPORT_TSV };

md_status md_export_experiments(struct md_buf *out, enum md_export_format f, const char *backend,
                                const struct md_experiment_list *l);
md_status md_export_runs(struct md_buf *out, enum md_export_format f, const char *backend,
                         const struct md_run_list *l);
md_status md_export_models(struct md_buf *out, enum md_export_format f, const char *backend,
                           const struct md_model_list *l);
/*
 * The same with who made the last change of each alias: who[i] holds
 * l->v[i].n_aliases records (NULL: unknown), written as "alias_changes":
 * {ALIAS: {"changed_by","changed_at","changed_after","changed_before",
 * "changed_source","changed_what"}} (struct md_who; "unknown" when nobody
 * can say, times in epoch ms, 0 when not known).
 */
md_status md_export_models_who(struct md_buf *out, enum md_export_format f, const char *backend,
                               const struct md_model_list *l, const struct md_who *const *who);
md_status md_export_versions(struct md_buf *out, enum md_export_format f, const char *backend,
                             const struct md_version_list *l);
/* endpoints: [{"backend","name","id","status","config","failure_reason","created","updated",
 *   "deployments":[{"name","model","version","image","instance_type","status","instance_count",
 *   "desired_instance_count","weight","desired_weight","share"}],"tags":{}}] */
md_status md_export_endpoints(struct md_buf *out, enum md_export_format f, const char *backend,
                              const struct md_endpoint_list *l);
/*
 * What endpoint rows can carry beyond the list (JSON only), each NULL when absent:
 * "health":{"verdict","reason"} on endpoint i from health[i], and on its deployment k from
 * dep_health[i][k]; "alarms":[{"name","state","reason","since" (epoch ms, 0 unknown),
 * "deployment","metric","source"}] from `alarms` (md_alarm.target names the endpoint; NULL:
 * every list empty); who made endpoint i's last change from who[i], as for aliases.
 */
struct md_export_endpoint_extra {
    const struct md_health_judgement *health;
    const struct md_health_judgement *const *dep_health;
    const struct md_alarm_list *alarms;
    const struct md_who *who;
};
md_status md_export_endpoints_ex(struct md_buf *out, enum md_export_format f, const char *backend,
                                 const struct md_endpoint_list *l,
                                 const struct md_export_endpoint_extra *x);
md_status md_export_audit(struct md_buf *out, enum md_export_format f,
                          const struct md_audit_entry *v, size_t n);

/*
 * The incident timeline, newest first: [{"time","when","exact","after","before","backend",
 * "target","what","change","who","source","status","message","id"}]. "time" is ms since the
 * epoch (a bracket's end), "when" its UTC text; "exact" is false for a bracket [after, before];
 * "who" is "unknown" when no source names the actor.
 */
md_status md_export_timeline(struct md_buf *out, enum md_export_format f,
                             const struct md_timeline *t);

#endif
