// CLuaShim: the C half of the Swift <-> Lua bridge.
//
// It exists for three reasons. Swift cannot call Lua's function-like macros
// (lua_pcall, lua_pop, lua_tostring, ...), so they are re-exported here as
// functions. Swift must never be unwound by longjmp, so lua_error is called
// only from this file: Swift functions return LUAKIT_ERROR with the error
// value on the stack and the trampoline below raises it. And the pieces that
// run in signal or allocator context (interrupts, memory cap, time budgets)
// have to be plain C.
#ifndef LUAKIT_SHIM_H
#define LUAKIT_SHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stddef.h>
#include <stdint.h>

/// Returned by a Swift function in place of a result count: the error
/// message is on top of the stack and the trampoline must raise it, prefixed
/// with the calling Lua code's position (as luaL_error does).
#define LUAKIT_ERROR (-1)
/// Like LUAKIT_ERROR for an error that came from Lua code and already
/// carries its position: raised unchanged.
#define LUAKIT_RETHROW (-2)

/// Why running Lua code is being stopped.
enum luakit_stop_reason {
    LUAKIT_STOP_NONE = 0,
    LUAKIT_STOP_INTERRUPT = 1,
    LUAKIT_STOP_TIMEOUT = 2,
};

// ---- State lifecycle and memory accounting --------------------------------

/// A new state whose allocator enforces `limit` bytes (0: no limit).
lua_State *luakit_newstate(size_t limit);
void luakit_close(lua_State *L);
size_t luakit_memory_used(lua_State *L);
size_t luakit_memory_limit(lua_State *L);
void luakit_set_memory_limit(lua_State *L, size_t limit);
/// An opaque pointer to the Swift object that owns the state, so functions
/// running in any of its threads can find it.
void luakit_set_owner(lua_State *L, void *owner);
void *luakit_owner(lua_State *L);

// ---- Calling -----------------------------------------------------------------

/// lua_pcall with a message handler that adds a traceback. The memory cap is
/// enforced while the callee runs even when called from inside a Swift function.
int luakit_pcall_traceback(lua_State *L, int nargs, int nresults);
/// The default-mode chunk loader for a byte buffer (text and binary chunks
/// allowed according to `mode`: "t", "b" or "bt").
int luakit_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode);

// ---- Swift functions ----------------------------------------------------------

/// Calls the Swift function boxed at `box`; returns a result count or LUAKIT_ERROR.
typedef int (*luakit_dispatch_fn)(lua_State *L, void *box);
/// Drops the +1 reference a Lua value held on a Swift object.
typedef void (*luakit_release_fn)(void *box);
/// Set once per process, before any state is used.
void luakit_set_callbacks(luakit_dispatch_fn dispatch, luakit_release_fn release);

/// Pushes a Lua function that calls the Swift function `box` (retained +1;
/// the Lua value releases it when collected).
void luakit_push_swift_function(lua_State *L, void *box);

/// Class names are passed as the pointer given to luakit_new_class_metatable:
/// besides under its name, the metatable is registered under that address,
/// and the functions below look it up by address (a string key would be
/// hashed and compared on every push and check).
///
/// Pushes the full userdata holding `object` (retained +1, released by __gc)
/// with the metatable registered under `type_name`: the one that already
/// exists (then the +1 is dropped), else a new one. Returns 1 when it made one.
int luakit_push_object(lua_State *L, void *object, const char *type_name);
/// Like luakit_push_object for an object that no Lua value holds yet (the
/// caller had the only reference): skips the identity cache, which the
/// userdata joins once Swift reads the object out of it again.
void luakit_push_new_object(lua_State *L, void *object, const char *type_name);
/// The object in the userdata at `idx` if it was made for class `type_name`
/// (whatever its metatable now is), else NULL.
void *luakit_to_object(lua_State *L, int idx, const char *type_name);
/// The class name a bridged object at `idx` was made with, or NULL.
const char *luakit_object_class(lua_State *L, int idx);
/// Creates (or fetches) the metatable for `type_name` and leaves it on the
/// stack, with __gc and __name set. `methods` is the index of a table of
/// methods; `fallback` the index of an __index function for other keys, or 0.
void luakit_new_class_metatable(lua_State *L, const char *type_name, int methods, int fallback);

// ---- Interrupts and budgets -----------------------------------------------------

/// Asks the running code to stop with "interrupted". Safe to call from a
/// signal handler or another thread.
void luakit_interrupt(lua_State *L);
/// Arms a wall-clock budget for the code run from now on (0 disarms it).
void luakit_set_deadline(lua_State *L, double seconds_from_now);
/// Clears any stop request and the hooks it installed; call after the
/// outermost call returns.
void luakit_clear_stop(lua_State *L);
/// The stop requested so far (enum luakit_stop_reason), turning a deadline
/// that has passed into LUAKIT_STOP_TIMEOUT: for long Swift work to poll.
int luakit_stop_requested(lua_State *L);
/// Starts a time budget of `seconds` inside any budget already running (the
/// earlier deadline wins) and returns the outer deadline for
/// luakit_pop_deadline, which ends the budget: its own timeout is cleared,
/// an interrupt or an outer timeout stays pending.
double luakit_push_deadline(lua_State *L, double seconds);
void luakit_pop_deadline(lua_State *L, double outer);
int luakit_stop_reason(lua_State *L);
/// Installs SIGINT handling that interrupts `L` while code runs. Returns the
/// number of SIGINTs seen since the last call (so a prompt can clear its line).
void luakit_install_sigint(lua_State *L);
int luakit_take_sigint_count(void);
/// Marks whether Lua code of `L` is running (SIGINT then interrupts it).
void luakit_set_running(lua_State *L, int running);
/// Replaces coroutine.resume/wrap with versions that track the running thread,
/// so an interrupt reaches code running inside a coroutine.
void luakit_track_coroutines(lua_State *L);

// ---- Macros as functions ------------------------------------------------------

void luakit_pop(lua_State *L, int n);
/// lua_gc(L, LUA_GCCOLLECT): a full collection (lua_gc is variadic).
void luakit_collect_garbage(lua_State *L);
/// Records that a value just made holds `bytes` outside the Lua heap. The
/// collector is told, as if Lua had allocated them, at the start of the next
/// call of a Swift function once 64 KiB or more are pending: before that
/// call makes its own values, so that what the step frees can be reused.
void luakit_note_external_memory(lua_State *L, size_t bytes);
/// lua_gc(L, LUA_GCGEN, 0, 0): generational mode with the default parameters.
void luakit_use_generational_collector(lua_State *L);
void luakit_newtable(lua_State *L);
int luakit_upvalueindex(int i);
const char *luakit_tolstring(lua_State *L, int idx, size_t *len);
lua_Number luakit_tonumber(lua_State *L, int idx, int *isnum);
lua_Integer luakit_tointeger(lua_State *L, int idx, int *isnum);
int luakit_registryindex(void);
void luakit_remove(lua_State *L, int idx);
void luakit_insert(lua_State *L, int idx);
void luakit_replace(lua_State *L, int idx);
int luakit_getglobal(lua_State *L, const char *name);
void luakit_pushglobaltable(lua_State *L);
int luakit_ref(lua_State *L);
void luakit_unref(lua_State *L, int ref);
int luakit_is_integer(lua_State *L, int idx);
void luakit_traceback(lua_State *L, lua_State *L1, const char *msg, int level);
/// tostring(v) through luaL_tolstring, run in protected mode so a failing
/// __tostring cannot unwind Swift. Pushes the string, or an error text;
/// returns NULL, pushing nothing, when the stack has no room left.
const char *luakit_safe_tostring(lua_State *L, int idx, size_t *len);
/// lua_next run protected: with a key on top, pushes the next key and value
/// and returns 1, or pops the key and returns 0 at the end and -1 when the
/// table changed under the traversal (lua_next would raise).
int luakit_next(lua_State *L, int idx);
/// lua_checkstack: room for n more values, growing the stack; 0 when the
/// stack would pass Lua's limit.
int luakit_checkstack(lua_State *L, int n);

#endif
