// CEditline: libedit's el_set/el_get/history are C variadic functions, which
// Swift cannot call; these fixed-signature wrappers make them callable.
#ifndef EDITLINE_SHIM_H
#define EDITLINE_SHIM_H

#include <histedit.h>
#include <stdio.h>

typedef char *(*editline_prompt_fn)(EditLine *);
typedef unsigned char (*editline_command_fn)(EditLine *, int);

EditLine *editline_open(const char *program, void *client_data);
void editline_close(EditLine *el);
void *editline_client_data(EditLine *el);
void editline_set_prompt(EditLine *el, editline_prompt_fn prompt);
/// Binds `key` (e.g. "^I") to a new named command implemented by `fn`.
void editline_bind_command(EditLine *el, const char *name, const char *help,
                           const char *key, editline_command_fn fn);
/// Binds `key` to one of libedit's built-in commands (e.g. "em-inc-search-prev").
void editline_bind(EditLine *el, const char *key, const char *command);
/// Reads one line. Returns NULL at end of input; *count is -1 and errno EINTR
/// when a signal interrupted the read.
const char *editline_gets(EditLine *el, int *count);
/// The text before and after the cursor (copies; free them with free()).
void editline_line(EditLine *el, char **before, char **after);
int editline_insert(EditLine *el, const char *text);
void editline_reset(EditLine *el);

History *editline_history_open(int size);
void editline_history_close(History *h);
void editline_history_add(History *h, const char *line);
void editline_attach_history(EditLine *el, History *h);

#endif
