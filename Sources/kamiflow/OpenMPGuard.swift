import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Makes sure the process runs with `OMP_THREAD_LIMIT` set, so that each Tesseract engine uses one thread and the
/// engine pool gives the parallelism instead.
enum OpenMPGuard {
    static let variable = "OMP_THREAD_LIMIT"

    static func reexecIfNeeded() {
        guard getenv(variable) == nil else { return }
        setenv(variable, "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        // /proc/self/exe is this binary whatever argv[0] says; if exec fails we go on, slower but correct.
        execv("/proc/self/exe", &argv)
        for pointer in argv { free(pointer) }
    }
}
