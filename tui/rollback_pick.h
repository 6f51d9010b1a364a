/*
 * rollback_pick.h - the rollback plan dialog of an alias or an endpoint
 * config: opened on the first 'r', filled in as the versions, configs and
 * run arrive, with a picker when mldeck recorded no earlier value.
 */
#ifndef MLDECK_TUI_ROLLBACK_PICK_H
#define MLDECK_TUI_ROLLBACK_PICK_H

#include <stddef.h>

#include "rollback.h"
#include "widget_dialog.h"

struct rollback_pick;

/* 'r' on an endpoint that has a config (SageMaker). Returns REACT_*. */
unsigned rollback_pick_endpoint(struct app *a, size_t bi, const char *endpoint);
/* A dialog key's result: DIALOG_PICK re-plans; ACCEPT with no plan yet stays open. 0: not mine. */
unsigned rollback_pick_key(struct app *a, enum dialog_result r);
/* The deck's changes while the dialog is open: fill in what arrived. Returns REACT_*. */
unsigned rollback_pick_on_change(struct app *a, unsigned mask);
void rollback_pick_free(struct rollback_pick *p);

#endif
