#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps Tesseract's OpenMP regions on the calling thread.
///
/// Debian builds libtesseract with OpenMP; left alone, every recognition spreads over all cores and spins, 4–6×
/// slower per page and livelocking when two engines run at once (DESIGN §4). The `kamiflow` executable re-executes
/// itself with `OMP_THREAD_LIMIT=1`, which libgomp only reads when it loads. For everyone else who links this
/// library (tests, other programs), the engine sets libgomp's max-active-levels to 0 on the thread that recognises,
/// which makes every parallel region run on that one thread: measured here at the same CPU time per page as
/// `OMP_THREAD_LIMIT=1` (0.22 s against 0.88 s for a jpn A5 page). The symbol is looked up at run time, so a
/// Tesseract built without OpenMP needs nothing.
enum OpenMP {
    private typealias SetLevels = @convention(c) (Int32) -> Void

    private static let setMaxActiveLevels: SetLevels? = {
        // RTLD_DEFAULT: search every library already loaded (libtesseract brought libgomp in).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_max_active_levels") else {
            return nil
        }
        return unsafeBitCast(symbol, to: SetLevels.self)
    }()

    /// Runs Tesseract's parallel regions started from this thread on this thread only.
    static func confineToCallingThread() {
        setMaxActiveLevels?(0)
    }
}
