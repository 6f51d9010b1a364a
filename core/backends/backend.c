/*
 * backend.c - from a configured backend kind to its ops table and instance,
 * and the release of the result record every backend reports.
 */
#include "mldeck/backend.h"

#include <stdlib.h>
#include <string.h>

/*
 * Only the tables linked into this build are listed. Other backends add
 * their row here when their file lands; a kind without a row reports
 * MD_ERR_UNSUPPORTED at creation.
 */
const struct md_backend_ops *md_backend_ops_for(enum md_backend_kind kind)
{
    switch (kind) {
    case MD_BACKEND_MLFLOW:
        return &md_mlflow_ops;
    case MD_BACKEND_SAGEMAKER:
        return &md_sagemaker_ops;
    case MD_BACKEND_AZUREML:
        return &md_azureml_ops;
    case MD_BACKEND_FIXTURE:
        break;
    }
    return NULL;
}

md_status md_backend_create(struct md_backend **out, const struct md_backend_conf *conf,
                            md_http *http, struct md_err *err)
{
    *out = NULL;
    const struct md_backend_ops *ops = md_backend_ops_for(conf->kind);
    if (ops == NULL || ops->create == NULL)
        return md_err_set(err, MD_ERR_UNSUPPORTED,
                          "cannot open backend '%s': type '%s' is not "
                          "supported by this build",
                          conf->name ? conf->name : "", md_backend_kind_str(conf->kind));
    md_status st = ops->create(out, conf, http, err);
    if (st != MD_OK)
        return st;
    if (*out == NULL)
        MD_BUG("backend '%s' created no instance", ops->name);
    return MD_OK;
}

/* Each backend frees its own private state; NULL is a no-op as for every x_free(). */
void md_backend_free(struct md_backend *be)
{
    if (be == NULL)
        return;
    be->ops->free(be);
}

/* Every record a result may hold, freed; kind, status and err stay. */
static void free_records(struct md_result *r)
{
    md_experiment_list_release(&r->experiments);
    md_run_list_release(&r->runs);
    md_model_list_release(&r->models);
    md_version_list_release(&r->versions);
    md_metric_series_release(&r->history);
    md_endpoint_list_release(&r->endpoints);
    md_endpoint_config_list_release(&r->configs);
    md_health_list_release(&r->health);
    md_monitor_list_release(&r->monitors);
    md_change_list_release(&r->changes);
    md_alarm_list_release(&r->alarms);
    md_log_event_list_release(&r->log_events);
    free(r->text);
    r->text = NULL;
    free(r->server_version);
    r->server_version = NULL;
    free(r->raw);
    r->raw = NULL;
    r->raw_len = 0;
    free(r->next_token);
    r->next_token = NULL;
}

/*
 * Zeroes the record, so a backend may release a result again after its
 * callback has released (or moved out of) it.
 */
void md_result_release(struct md_result *r)
{
    if (r == NULL)
        return;
    free_records(r);
    memset(r, 0, sizeof(*r));
}

void md_result_drop_records(struct md_result *r)
{
    free_records(r);
    r->next_token = md_xstrdup("");
}

void md_log_event_list_release(struct md_log_event_list *l)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].stream);
        free(l->v[i].message);
    }
    if (l != NULL) {
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}

const char *md_log_container_str(enum md_log_container c)
{
    return c == MD_LOG_STORAGE_INITIALIZER ? "StorageInitializer" : "InferenceServer";
}
