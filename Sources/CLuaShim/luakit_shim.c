// See luakit_shim.h for why this file exists. Every lua_error and luaL_error
// of the bridge is in this file.
#include "luakit_shim.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Per-state control block, reached through lua_getextraspace. Coroutines
// copy the main thread's extra space, so every thread of a state sees it.
typedef struct luakit_control {
    size_t used;
    size_t limit;
    int in_swift;                      // >0 while Swift code holds the state: no cap, see alloc
    int closing;                       // set before lua_close: Swift functions refuse calls
    volatile sig_atomic_t stop;        // enum luakit_stop_reason
    volatile sig_atomic_t running;
    double deadline;                   // CLOCK_MONOTONIC seconds, 0 = none
    lua_State *main;
    void *owner;
    lua_State *volatile current;      // thread being resumed, for interrupts
    size_t external_debt;              // bytes held outside Lua, not yet reported to the collector
} luakit_control;

static luakit_control *control(lua_State *L) {
    return *(luakit_control **)lua_getextraspace(L);
}

static double monotonic_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// ---- Allocation ---------------------------------------------------------------

// The cap applies to Lua code only. While Swift code holds the state (at
// top level between calls, and inside a Swift function) an allocation
// failure would make lua_push* raise a memory error through Swift frames or
// with no protected call to catch it, so there the cap is lifted; it bites
// again as soon as Lua code allocates. in_swift is 1 from the start and
// drops to 0 only inside protected_call. No error unwinds through Swift
// frames (Swift uses only raw, non-raising calls, runs the rest protected,
// and reserves stack room), so the trampoline's decrement always runs; and
// every protected call and resume restores the value it found anyway, so
// even an unexpected unwind would lift the cap only until the enclosing
// call from Swift returns.
static void *luakit_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    luakit_control *c = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        c->used -= old;
        return NULL;
    }
    if (c->limit && c->in_swift == 0 && nsize > old && c->used - old + nsize > c->limit)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p == NULL && c->in_swift > 0) {
        // The system itself refused: there is no Lua error that could be
        // raised here without unwinding Swift, so stop as Swift does when
        // its own allocations fail.
        fprintf(stderr, "opslab: out of memory (the system refused %zu bytes)\n", nsize);
        abort();
    }
    if (p) c->used = c->used - old + nsize;
    return p;
}

static int luakit_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "opslab: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    abort();
}

static void luakit_warn(void *ud, const char *msg, int tocont) {
    (void)ud; (void)tocont;
    // Errors in __gc metamethods arrive here; they must not vanish silently.
    fprintf(stderr, "%s", msg);
    if (!tocont) fputc('\n', stderr);
}

lua_State *luakit_newstate(size_t limit) {
    luakit_control *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->limit = limit;
    c->in_swift = 1;
    lua_State *L = lua_newstate(luakit_alloc, c);
    if (!L) { free(c); return NULL; }
    *(luakit_control **)lua_getextraspace(L) = c;
    c->main = L;
    c->current = L;
    lua_atpanic(L, luakit_panic);
    lua_setwarnf(L, luakit_warn, NULL);
    return L;
}

static lua_State *sigint_state;

void luakit_close(lua_State *L) {
    luakit_control *c = control(L);
    if (sigint_state == L) sigint_state = NULL;
    // Finalizers run inside lua_close; the Swift objects their functions
    // reach may already be gone, so from here on calls are refused.
    c->closing = 1;
    lua_close(L);
    free(c);
}

size_t luakit_memory_used(lua_State *L) { return control(L)->used; }
size_t luakit_memory_limit(lua_State *L) { return control(L)->limit; }
void luakit_set_memory_limit(lua_State *L, size_t limit) { control(L)->limit = limit; }
void luakit_set_owner(lua_State *L, void *owner) { control(L)->owner = owner; }
void *luakit_owner(lua_State *L) { return control(L)->owner; }

// ---- Errors and calls ------------------------------------------------------------

// lua_pcall with the cap in force for the callee, and in_swift as it was
// afterwards however the callee ended.
static int protected_call(lua_State *L, int nargs, int nresults, int handler) {
    luakit_control *c = control(L);
    int saved = c->in_swift;
    c->in_swift = 0;
    int status = lua_pcall(L, nargs, nresults, handler);
    c->in_swift = saved;
    return status;
}

static int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int luakit_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    if (!lua_checkstack(L, 1)) {
        // The stack is at Lua's limit: drop the call, leave its error.
        lua_settop(L, base - 1);
        lua_pushliteral(L, "stack overflow (too many values)");
        return LUA_ERRRUN;
    }
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    int status = protected_call(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

int luakit_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode) {
    return luaL_loadbufferx(L, buf, len, name, mode);
}

// ---- Swift functions and objects ------------------------------------------------

static luakit_dispatch_fn dispatch_swift;
static luakit_release_fn release_swift;

void luakit_set_callbacks(luakit_dispatch_fn dispatch, luakit_release_fn release) {
    dispatch_swift = dispatch;
    release_swift = release;
}

#define FUNCTION_BOX "luakit.function"
#define OBJECT_CACHE "luakit.objects"

// The userdata a Swift function's closure holds as its upvalue. debug.setupvalue
// can put any value there (nil, a tensor, an io file), so the trampoline checks
// the size and the tag before it trusts the pointer: only this file writes
// the tag's address, and no other userdata can hold it by chance.
typedef struct luakit_function_box {
    void *function;     // first, so release_box sees the same layout as objects
    const void *tag;    // &function_tag
} luakit_function_box;
static const char function_tag = 0;

// The userdata of a bridged object (see "Objects are cached" below).
typedef struct luakit_object_box {
    void *object;       // first, so release_box sees the same layout as functions
    const char *cls;    // the type_name it was made with
    int cached;         // whether the weak cache maps object to this userdata
} luakit_object_box;

static luakit_function_box *to_function_box(lua_State *L, int idx) {
    luakit_function_box *box = lua_touserdata(L, idx);
    if (box == NULL || lua_rawlen(L, idx) != sizeof *box || box->tag != &function_tag) return NULL;
    return box;
}

// Whether the userdata at idx (a full userdata of the object box's size)
// names a registered class: its cls is the key of a class metatable.
static int is_object_box(lua_State *L, int idx) {
    luakit_object_box *box = lua_touserdata(L, idx);
    if (box == NULL || lua_rawlen(L, idx) != sizeof *box || box->cls == NULL) return 0;
    int registered = lua_rawgetp(L, LUA_REGISTRYINDEX, box->cls) == LUA_TTABLE;
    lua_pop(L, 1);
    return registered;
}

// __gc of both kinds of box. debug.setmetatable can give our metatables to
// any userdata (an io file, say); only our own boxes hold a Swift object to
// release.
static int release_box(lua_State *L) {
    void **slot = NULL;
    if (to_function_box(L, 1)) slot = lua_touserdata(L, 1);
    else if (is_object_box(L, 1)) slot = lua_touserdata(L, 1);
    if (slot && *slot) {
        release_swift(*slot);
        *slot = NULL;
    }
    return 0;
}

// Memory that values hold outside the Lua heap (see
// luakit_note_external_memory) is reported to the collector in steps of at
// least this many bytes.
#define EXTERNAL_STEP (64 << 10)

static int call_swift(lua_State *L) {
    luakit_function_box *box = to_function_box(L, lua_upvalueindex(1));
    luakit_control *c = control(L);
    if (box == NULL || box->function == NULL)
        return luaL_error(L, "this function's upvalue was replaced (debug.setupvalue): it can no longer be called");
    if (c->closing)
        return luaL_error(L, "opslab is closing: functions of the workbench can no longer be called");
    if (c->external_debt >= EXTERNAL_STEP) {
        size_t kilobytes = c->external_debt >> 10;
        c->external_debt = 0;
        lua_gc(L, LUA_GCSTEP, kilobytes > INT_MAX ? INT_MAX : (int)kilobytes);
    }
    c->in_swift++;
    int n = dispatch_swift(L, box->function);
    c->in_swift--;
    if (n == LUAKIT_ERROR) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    if (n == LUAKIT_RETHROW) return lua_error(L);
    return n;
}

void luakit_push_swift_function(lua_State *L, void *function) {
    luakit_function_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->function = function;
    box->tag = &function_tag;
    if (luaL_newmetatable(L, FUNCTION_BOX)) {
        lua_pushcfunction(L, release_box);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, call_swift, 1);
}

// Objects are cached by address in a weak-valued table so that pushing the
// same Swift object twice gives the same Lua value (== and table keys work).
//
// A userdata enters the cache lazily. An object that only the pusher holds
// (a fresh op result) has no userdata yet and nobody else who could push it
// again; luakit_push_new_object makes its userdata without touching the
// cache. Swift code can get hold of that object later only by reading it out
// of its userdata (luakit_to_object), and that is when the userdata is
// added. Results that Lua drops without passing them back,
// the common case in a loop of small ops, never cost a table insert, and no
// push of a fresh object costs a lookup in a table that may hold every live
// object.
//
// The box (luakit_object_box, above) also records its class (the address
// its metatable is registered under), so that checking an argument's class
// reads two fields instead of fetching and comparing metatables. Only C code
// can make a userdata, and none of the libraries a state opens makes one of
// this size, so a userdata of this size naming the class is one of ours,
// even if debug.setmetatable has given it another metatable.

static void push_object_cache(lua_State *L) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, OBJECT_CACHE) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushliteral(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, OBJECT_CACHE);
    }
}

static luakit_object_box *new_object_box(lua_State *L, void *object, const char *type_name) {
    luakit_object_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->object = object;
    box->cls = type_name;
    box->cached = 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, type_name);
    lua_setmetatable(L, -2);
    return box;
}

// Adds the userdata at idx (holding box) to the cache.
static void cache_object(lua_State *L, int idx, luakit_object_box *box) {
    idx = lua_absindex(L, idx);
    push_object_cache(L);
    lua_pushvalue(L, idx);
    lua_rawsetp(L, -2, box->object);
    lua_pop(L, 1);
    box->cached = 1;
}

int luakit_push_object(lua_State *L, void *object, const char *type_name) {
    push_object_cache(L);
    if (lua_rawgetp(L, -1, object) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        release_swift(object);   // the caller's +1 is not needed: the value exists
        return 0;
    }
    lua_pop(L, 1);
    luakit_object_box *box = new_object_box(L, object, type_name);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, object);
    lua_remove(L, -2);
    box->cached = 1;
    return 1;
}

void luakit_push_new_object(lua_State *L, void *object, const char *type_name) {
    new_object_box(L, object, type_name);
}

void *luakit_to_object(lua_State *L, int idx, const char *type_name) {
    // lua_rawlen is 0 for everything but full userdata (and strings and
    // tables, whose lua_touserdata is NULL).
    luakit_object_box *box = lua_touserdata(L, idx);
    if (box == NULL || lua_rawlen(L, idx) != sizeof(luakit_object_box)) return NULL;
    if (box->cls != type_name || box->object == NULL) return NULL;
    if (!box->cached) cache_object(L, idx, box);
    return box->object;
}

// The class name a bridged object was made with, or NULL for any other
// value. Signature types name classes (`m: Module`) and a class may be
// registered by several states under one name, so argument checks compare
// names rather than the class's address.
const char *luakit_object_class(lua_State *L, int idx) {
    luakit_object_box *box = lua_touserdata(L, idx);
    if (box == NULL || lua_rawlen(L, idx) != sizeof(luakit_object_box) || box->object == NULL) return NULL;
    return box->cls;
}

// __index: methods first (one raw lookup, the common case), then the class's
// fallback function for properties and integer indices.
static int class_index(lua_State *L) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    if (lua_isnil(L, lua_upvalueindex(2))) return 0;
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

void luakit_new_class_metatable(lua_State *L, const char *type_name, int methods, int fallback) {
    methods = lua_absindex(L, methods);
    if (fallback) fallback = lua_absindex(L, fallback);
    luaL_newmetatable(L, type_name);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, type_name);
    lua_pushcfunction(L, release_box);
    lua_setfield(L, -2, "__gc");
    lua_pushvalue(L, methods);
    if (fallback) lua_pushvalue(L, fallback); else lua_pushnil(L);
    lua_pushcclosure(L, class_index, 2);
    lua_setfield(L, -2, "__index");
}

// ---- Interrupts and budgets ------------------------------------------------------

static const char *stop_message(int reason) {
    return reason == LUAKIT_STOP_TIMEOUT ? "timeout: time budget exceeded" : "interrupted";
}

// Once a stop is requested the hook fires on every instruction, in the
// current thread and the main one, so a pcall in a loop cannot swallow it:
// the next instruction outside the pcall raises again.
static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    luakit_control *c = control(L);
    if (c->stop == LUAKIT_STOP_NONE && c->deadline > 0 && monotonic_now() > c->deadline)
        c->stop = LUAKIT_STOP_TIMEOUT;
    if (c->stop == LUAKIT_STOP_NONE) return;
    lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
    if (L != c->main) lua_sethook(c->main, stop_hook, LUA_MASKCOUNT, 1);
    luaL_error(L, "%s", stop_message(c->stop));
}

void luakit_interrupt(lua_State *L) {
    luakit_control *c = control(L);
    c->stop = LUAKIT_STOP_INTERRUPT;
    lua_State *target = c->current ? c->current : L;
    lua_sethook(target, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    if (target != c->main) lua_sethook(c->main, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void luakit_set_deadline(lua_State *L, double seconds) {
    luakit_control *c = control(L);
    if (seconds > 0) {
        c->deadline = monotonic_now() + seconds;
        // Checked every 1000 instructions; coroutines created meanwhile inherit it.
        lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1000);
    } else {
        c->deadline = 0;
        lua_sethook(L, NULL, 0, 0);
    }
}

void luakit_clear_stop(lua_State *L) {
    luakit_control *c = control(L);
    c->stop = LUAKIT_STOP_NONE;
    c->deadline = 0;
    c->current = c->main;
    lua_sethook(c->main, NULL, 0, 0);
    if (L != c->main) lua_sethook(L, NULL, 0, 0);
}

int luakit_stop_reason(lua_State *L) { return control(L)->stop; }

static volatile sig_atomic_t sigint_count;

static void on_sigint(int sig) {
    (void)sig;
    sigint_count++;
    lua_State *L = sigint_state;
    if (L && control(L)->running) luakit_interrupt(L);
}

void luakit_install_sigint(lua_State *L) {
    sigint_state = L;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   // no SA_RESTART: a blocking read at the prompt returns EINTR
    sigaction(SIGINT, &sa, NULL);
}

int luakit_take_sigint_count(void) {
    int n = sigint_count;
    sigint_count = 0;
    return n;
}

void luakit_set_running(lua_State *L, int running) {
    sigint_state = L;
    control(L)->running = running;
}

// coroutine.resume that records the thread it runs, so an interrupt can set
// its hook on the thread actually executing.
static int tracked_resume(lua_State *L) {
    luakit_control *c = control(L);
    lua_State *co = lua_tothread(L, 1);
    lua_State *previous = c->current;
    int in_swift = c->in_swift;
    if (co) c->current = co;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    c->current = previous;
    c->in_swift = in_swift;
    if (status != LUA_OK) return lua_error(L);
    if (c->stop != LUAKIT_STOP_NONE) lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
    return lua_gettop(L);
}

static const char *wrap_source =
    "local create, resume = ...\n"
    "return function(f)\n"
    "  local co = create(f)\n"
    "  return function(...)\n"
    "    local r = table.pack(resume(co, ...))\n"
    "    if r[1] then return table.unpack(r, 2, r.n) end\n"
    "    error(r[2], 0)\n"
    "  end\n"
    "end\n";

void luakit_track_coroutines(lua_State *L) {
    if (lua_getglobal(L, "coroutine") != LUA_TTABLE) { lua_pop(L, 1); return; }
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, tracked_resume, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "resume");
    // stack: coroutine, tracked_resume
    if (luaL_loadstring(L, wrap_source) == LUA_OK) {
        lua_getfield(L, -3, "create");
        lua_pushvalue(L, -3);
        if (lua_pcall(L, 2, 1, 0) == LUA_OK) lua_setfield(L, -3, "wrap");
        else lua_pop(L, 1);
    } else {
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

int luakit_stop_requested(lua_State *L) {
    luakit_control *c = control(L);
    if (c->stop == LUAKIT_STOP_NONE && c->deadline > 0 && monotonic_now() > c->deadline) {
        c->stop = LUAKIT_STOP_TIMEOUT;
        lua_sethook(c->main, stop_hook, LUA_MASKCOUNT, 1);
    }
    return c->stop;
}

double luakit_push_deadline(lua_State *L, double seconds) {
    luakit_control *c = control(L);
    double outer = c->deadline;
    double inner = monotonic_now() + seconds;
    c->deadline = outer > 0 && outer < inner ? outer : inner;
    // A stop already pending keeps its hook on every instruction.
    int every = c->stop != LUAKIT_STOP_NONE ? 1 : 1000;
    lua_sethook(c->main, stop_hook, LUA_MASKCOUNT, every);
    if (c->current && c->current != c->main) lua_sethook(c->current, stop_hook, LUA_MASKCOUNT, every);
    return outer;
}

void luakit_pop_deadline(lua_State *L, double outer) {
    luakit_control *c = control(L);
    c->deadline = outer;
    // A timeout of this budget ends here; one of the outer budget (already
    // past) and a pending interrupt stay for the code outside to see.
    if (c->stop == LUAKIT_STOP_TIMEOUT && (outer == 0 || monotonic_now() <= outer)) c->stop = LUAKIT_STOP_NONE;
    if (c->stop != LUAKIT_STOP_NONE) return;
    if (outer > 0) lua_sethook(c->main, stop_hook, LUA_MASKCOUNT, 1000);
    else lua_sethook(c->main, NULL, 0, 0);
}

// ---- Table traversal -----------------------------------------------------------

static int next_protected(lua_State *L) {
    lua_settop(L, 2);
    return lua_next(L, 1) ? 2 : 0;
}

int luakit_next(lua_State *L, int idx) {
    // lua_next raises "invalid key to 'next'" when the table was changed
    // under the traversal (by a metamethod or finalizer run in between), so
    // it runs protected here. Stack in: key on top; out: key and value (1),
    // nothing (0: the end, or -1: the traversal broke).
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 3)) { lua_pop(L, 1); return -1; }
    lua_pushcfunction(L, next_protected);
    lua_pushvalue(L, idx);
    lua_rotate(L, -3, 2);           // next_protected, table, key
    int base = lua_gettop(L) - 3;
    if (protected_call(L, 2, LUA_MULTRET, 0) != LUA_OK) { lua_settop(L, base); return -1; }
    return lua_gettop(L) > base ? 1 : 0;
}

int luakit_checkstack(lua_State *L, int n) { return lua_checkstack(L, n); }

// ---- Macros as functions ------------------------------------------------------

void luakit_pop(lua_State *L, int n) { lua_pop(L, n); }
void luakit_collect_garbage(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
void luakit_note_external_memory(lua_State *L, size_t bytes) { control(L)->external_debt += bytes; }
void luakit_use_generational_collector(lua_State *L) { lua_gc(L, LUA_GCGEN, 0, 0); }
void luakit_newtable(lua_State *L) { lua_newtable(L); }
int luakit_upvalueindex(int i) { return lua_upvalueindex(i); }
const char *luakit_tolstring(lua_State *L, int idx, size_t *len) { return lua_tolstring(L, idx, len); }
lua_Number luakit_tonumber(lua_State *L, int idx, int *isnum) { return lua_tonumberx(L, idx, isnum); }
lua_Integer luakit_tointeger(lua_State *L, int idx, int *isnum) { return lua_tointegerx(L, idx, isnum); }
int luakit_registryindex(void) { return LUA_REGISTRYINDEX; }
void luakit_remove(lua_State *L, int idx) { lua_remove(L, idx); }
void luakit_insert(lua_State *L, int idx) { lua_insert(L, idx); }
void luakit_replace(lua_State *L, int idx) { lua_replace(L, idx); }
int luakit_getglobal(lua_State *L, const char *name) { return lua_getglobal(L, name); }
void luakit_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
int luakit_ref(lua_State *L) { return luaL_ref(L, LUA_REGISTRYINDEX); }
void luakit_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }
int luakit_is_integer(lua_State *L, int idx) { return lua_isinteger(L, idx); }
void luakit_traceback(lua_State *L, lua_State *L1, const char *msg, int level) {
    luaL_traceback(L, L1, msg, level);
}

static int tostring_protected(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

const char *luakit_safe_tostring(lua_State *L, int idx, size_t *len) {
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 2)) return NULL;
    lua_pushcfunction(L, tostring_protected);
    lua_pushvalue(L, idx);
    if (protected_call(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        // Formatted by hand: lua_pushfstring could itself raise.
        char text[96];
        snprintf(text, sizeof text, "%s: %p", luaL_typename(L, idx), lua_topointer(L, idx));
        lua_pop(L, 1);
        lua_pushstring(L, text);
    }
    return lua_tolstring(L, -1, len);
}
