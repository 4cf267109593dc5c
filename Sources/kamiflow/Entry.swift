/// The process entry point.
@main
enum Entry {
    static func main() async {
        // Debian's libtesseract is built with OpenMP; unless the process starts with OMP_THREAD_LIMIT=1 recognition
        // is 4–6× slower and parallel engines livelock (DESIGN §4). libgomp reads the variable when the library
        // loads, before this line runs, so setting it here is too late: re-execute this binary with it set.
        OpenMPGuard.reexecIfNeeded()
        await Kamiflow.main()
    }
}
