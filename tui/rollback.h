/*
 * rollback.h - the front end of core/action: plan, show the plan in the
 * typed-confirmation dialog, execute, and report progress on the status
 * line. A refused plan (read-only mode, nothing to roll back to) is a status
 * line message, never a dialog.
 */
#ifndef MLDECK_TUI_ROLLBACK_H
#define MLDECK_TUI_ROLLBACK_H

#include <stddef.h>

#include "ui.h"

/* 'r' on an alias: plan moving it back to its previous version. Returns REACT_*. */
unsigned rollback_alias(struct app *a, size_t bi, const char *model, const char *alias);
/*
 * 'r' on an endpoint: back to its previous config when it has one (SageMaker),
 * else back to the traffic mldeck observed before the current one.
 */
unsigned rollback_endpoint(struct app *a, size_t bi, const char *endpoint);
/*
 * 'w' on an endpoint: open the weights line, prefilled with the current weights
 * ("blue=90,green=10"). Refused at once, on the status line, in read-only mode.
 */
unsigned rollback_weights_prompt(struct app *a, size_t bi, const char *endpoint);
/* The weights line was submitted: plan it and open the dialog. */
unsigned rollback_weights_submit(struct app *a, const char *spec);
/* 'a' / 'x' on a version: set its approval status (Approved / Rejected). */
unsigned rollback_approval(struct app *a, size_t bi, const char *model, const char *version,
                           const char *status);
/*
 * Put `value` back on a store target ("MODEL@ALIAS" its version, "endpoint:NAME" its
 * config, "endpoint:NAME#traffic" its weights): undoing one change of the timeline.
 */
unsigned rollback_target_to(struct app *a, size_t bi, const char *target, const char *value);
/* 'u': plan the reverse of the last successful action. */
unsigned rollback_undo(struct app *a);
/* A key while the dialog is open. */
unsigned rollback_dialog_key(struct app *a, int key);
/* MD_CHANGED_ACTION: show the phase and outcome. */
void rollback_on_change(struct app *a);
/* Close the dialog and drop the plan (also at exit). */
void rollback_close(struct app *a);

#endif
