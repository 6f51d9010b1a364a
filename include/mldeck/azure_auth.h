/*
 * azure_auth.h - Microsoft Entra ID (Azure AD) access tokens for Azure
 * Resource Manager, kept in memory only.
 *
 * Where a token comes from, tried in this order on the first fetch (the
 * order the Azure SDKs use, reference/azureml.md section 11):
 *  1. a service principal's client secret: the variables named by
 *     client_id_env / client_secret_env (default AZURE_CLIENT_ID and
 *     AZURE_CLIENT_SECRET) plus the tenant (config, else AZURE_TENANT_ID),
 *     by the client-credentials grant, a form POST to
 *     {authority}/{tenant}/oauth2/v2.0/token; authority from the config,
 *     else AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com;
 *  2. the Azure CLI, when `az` is on PATH: `az account get-access-token
 *     --resource <audience> -o json`, run without a shell, with a time-out
 *     (30 s), beside the event loop;
 *  3. a managed identity: IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service,
 *     Container Apps, Azure ML compute), else the instance metadata service
 *     (IMDS, 169.254.169.254; AZURE_POD_IDENTITY_AUTHORITY_HOST overrides the
 *     host, as in the SDKs). AZURE_CLIENT_ID selects a user-assigned identity.
 * The first source that is configured is used from then on; a failure
 * names every source tried.
 *
 * A token is reused until five minutes before it expires (half its life for
 * short-lived ones), or until md_azure_auth_invalidate() after a 401. It is
 * never written anywhere, never logged, and wiped from memory when replaced.
 *
 * Fetches run on the shared md_http: their outcome is reported from inside
 * md_http_run(), like every request. The Azure CLI too: `az` runs as a
 * child process watched by the same loop (mldeck/proc.h), killed when it has
 * not answered within 30 s, so nothing here blocks the caller; while it runs
 * it counts in md_http_pending().
 */
#ifndef MLDECK_AZURE_AUTH_H
#define MLDECK_AZURE_AUTH_H

#include "mldeck/cred.h"
#include "mldeck/http.h"

typedef struct md_azure_auth md_azure_auth;

/* Audience of Azure Resource Manager in the public cloud. */
#define MD_AZURE_ARM_AUDIENCE "https://management.azure.com"

/* Settings, borrowed for md_azure_auth_new(); NULL or "" means the default. */
struct md_azure_auth_conf {
    const char *authority;         /* Entra ID host URL; default as above */
    const char *tenant;            /* tenant id or domain; default $AZURE_TENANT_ID */
    const char *client_id_env;     /* default "AZURE_CLIENT_ID" */
    const char *client_secret_env; /* default "AZURE_CLIENT_SECRET" */
    const char *audience;          /* resource without "/.default"; default ARM's */
    const char *ca_path;           /* for the token endpoint; NULL: system bundle */
    bool insecure_tls;
    long timeout_ms; /* per token request; 0: 15000 */
};

/* Where the current token came from. */
enum md_azure_source {
    MD_AZURE_SOURCE_NONE = 0,
    MD_AZURE_SOURCE_SECRET,  /* service principal, client credentials */
    MD_AZURE_SOURCE_CLI,     /* az account get-access-token */
    MD_AZURE_SOURCE_APP_SVC, /* IDENTITY_ENDPOINT */
    MD_AZURE_SOURCE_IMDS,    /* instance metadata service */
};

/*
 * A token provider. Reads the environment once, here; secrets are copied
 * into the instance and wiped by md_azure_auth_free(). Errors: MD_ERR_CONFIG
 * (authority not an http(s) URL, a client secret without tenant or client
 * id). `http` must outlive the instance.
 */
md_status md_azure_auth_new(md_azure_auth **out, const struct md_azure_auth_conf *conf,
                            md_http *http, struct md_err *err);
/*
 * Free the instance and wipe its secrets. Pending fetches are dropped
 * without calling back: free the md_http first (or let fetches finish).
 * NULL is a no-op.
 */
void md_azure_auth_free(md_azure_auth *a);

/*
 * The cached token when it is still fresh, else NULL (then fetch). Lent
 * until the next call on the instance; never log or copy it into messages.
 */
const char *md_azure_auth_token(md_azure_auth *a);

/*
 * Outcome of a fetch: MD_OK (md_azure_auth_token() now returns the token)
 * or an error with `err` filled in: MD_ERR_AUTH (rejected credentials, with
 * the AADSTS code and the first line of its description), MD_ERR_NET /
 * MD_ERR_TIMEOUT, MD_ERR_PARSE, MD_ERR_NOT_FOUND (no source configured).
 */
typedef md_cred_fn md_azure_auth_fn;

/*
 * Get a fresh token and call `cb` once, from inside md_http_run(). Fetches
 * are shared: callers arriving while one is in flight wait for it. A fresh
 * cached token still reports through md_http_run(), never from this call.
 * Returns the id of the md_http request (or deferral) that carries the
 * outcome; cancelling it is not supported (free the instance instead).
 */
uint64_t md_azure_auth_fetch(md_azure_auth *a, md_azure_auth_fn cb, void *ud);

/* Forget the cached token (a server answered 401 with it); the next fetch gets a new one. */
void md_azure_auth_invalidate(md_azure_auth *a);
/*
 * Which token md_azure_auth_token() returns now, as a number that grows
 * with every new token (0 before the first): a client records it with a
 * request instead of keeping the token.
 */
uint64_t md_azure_auth_serial(const md_azure_auth *a);
/*
 * A server answered 401 to a request sent with token `serial`: forget the
 * cached token if it is still that one. Several clients sharing a provider
 * can then each report the same refusal and only one new token is fetched.
 */
void md_azure_auth_refused(md_azure_auth *a, uint64_t serial);

/* The source of the last token; MD_AZURE_SOURCE_NONE before the first. */
enum md_azure_source md_azure_auth_source(const md_azure_auth *a);
/* Static text for a source: "client secret", "Azure CLI", "managed identity (IMDS)", ... */
const char *md_azure_source_str(enum md_azure_source s);

/* Expiry of the cached token, epoch ms; 0 when there is none. */
int64_t md_azure_auth_expires_ms(const md_azure_auth *a);

/*
 * The provider as a credential source (mldeck/cred.h) that other clients
 * can be given: *out lends `a`, which must outlive them.
 */
void md_azure_auth_cred(md_azure_auth *a, struct md_cred_source *out);

#endif
