// The system Lua 5.4 headers, as one module. Debian ships them under
// /usr/include/lua5.4, which pkg-config adds to the search path.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
