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
/* 'u': plan the reverse of the last successful action. */
unsigned rollback_undo(struct app *a);
/* A key while the dialog is open. */
unsigned rollback_dialog_key(struct app *a, int key);
/* MD_CHANGED_ACTION: show the phase and outcome. */
void rollback_on_change(struct app *a);
/* Close the dialog and drop the plan (also at exit). */
void rollback_close(struct app *a);

#endif
