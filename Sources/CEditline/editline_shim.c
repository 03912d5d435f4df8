// See editline_shim.h for why this file exists.
#include "editline_shim.h"

#include <stdlib.h>
#include <string.h>

EditLine *editline_open(const char *program, void *client_data) {
    EditLine *el = el_init(program, stdin, stdout, stderr);
    if (!el) return NULL;
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_CLIENTDATA, client_data);
    // libedit restores the terminal around signals; our SIGINT handler then
    // makes el_gets return with EINTR so the prompt can clear its line.
    el_set(el, EL_SIGNAL, 1);
    // Reverse search as in readline.
    el_set(el, EL_BIND, "^R", "em-inc-search-prev", NULL);
    el_source(el, NULL);   // the user's ~/.editrc, if any
    return el;
}

void editline_close(EditLine *el) { el_end(el); }

void *editline_client_data(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}

void editline_set_prompt(EditLine *el, editline_prompt_fn prompt) {
    el_set(el, EL_PROMPT, prompt);
}

void editline_bind_command(EditLine *el, const char *name, const char *help,
                           const char *key, editline_command_fn fn) {
    el_set(el, EL_ADDFN, name, help, fn);
    el_set(el, EL_BIND, key, name, NULL);
}

void editline_bind(EditLine *el, const char *key, const char *command) {
    el_set(el, EL_BIND, key, command, NULL);
}

const char *editline_gets(EditLine *el, int *count) { return el_gets(el, count); }

void editline_line(EditLine *el, char **before, char **after) {
    const LineInfo *li = el_line(el);
    size_t nb = (size_t)(li->cursor - li->buffer);
    size_t na = (size_t)(li->lastchar - li->cursor);
    *before = strndup(li->buffer, nb);
    *after = strndup(li->cursor, na);
}

int editline_insert(EditLine *el, const char *text) { return el_insertstr(el, text); }

void editline_reset(EditLine *el) { el_reset(el); }

History *editline_history_open(int size) {
    History *h = history_init();
    if (!h) return NULL;
    HistEvent ev;
    history(h, &ev, H_SETSIZE, size);
    history(h, &ev, H_SETUNIQUE, 1);
    return h;
}

void editline_history_close(History *h) { history_end(h); }

void editline_history_add(History *h, const char *line) {
    HistEvent ev;
    history(h, &ev, H_ENTER, line);
}

void editline_attach_history(EditLine *el, History *h) {
    el_set(el, EL_HIST, history, h);
}
