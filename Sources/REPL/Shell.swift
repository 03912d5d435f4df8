#if canImport(Glibc)
import Glibc
#endif

/// Runs `command` through /bin/sh and returns its exit status. system()
/// ignores SIGINT in the REPL while the command runs, so Ctrl-C reaches
/// only the command.
func runShellCommand(_ command: String) -> Int32 {
    let status = system(command)
    if status == -1 { return 127 }
    // WIFEXITED / WEXITSTATUS, which Swift cannot import as macros.
    if status & 0x7F == 0 { return (status >> 8) & 0xFF }
    return 128 + (status & 0x7F)
}

