package dev.parley.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * CPU time of processes and threads from Linux procfs ({@code proc(5)}): utime + stime of
 * {@code /proc/PID/stat} (a whole process, all its threads) or {@code /proc/PID/task/TID/stat} (one
 * thread, of this JVM or another process), in
 * clock ticks of {@value #TICK_NANOS} ns (USER_HZ is 100 on Linux for every architecture).
 */
public final class ProcCpu {
    static final long TICK_NANOS = 10_000_000L;

    private ProcCpu() {}

    /**
     * @param pid a process id
     * @return its user + system CPU time so far, ns (10 ms resolution)
     * @throws IOException if the process is gone or procfs is missing
     */
    static long processNanos(long pid) throws IOException {
        return statNanos(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /**
     * @param threadName which of this JVM's threads to count, by their kernel name ({@code comm},
     *     at most 15 characters, e.g. "GC Thread#0", "VM Thread")
     * @return their summed user + system CPU time so far, ns; 0 where procfs is missing
     */
    public static long ownThreadsNanos(Predicate<String> threadName) {
        return threadsNanos("self", threadName);
    }

    /**
     * As {@link #ownThreadsNanos}, for another process.
     *
     * @param pid a process id
     * @return the CPU time of its threads named as {@code threadName} accepts, ns; 0 where procfs is
     *     missing or the process is gone
     */
    public static long threadsNanos(long pid, Predicate<String> threadName) {
        return threadsNanos(Long.toString(pid), threadName);
    }

    private static long threadsNanos(String pid, Predicate<String> threadName) {
        long total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (threadName.test(Files.readString(task.resolve("comm")).strip())) {
                        total += statNanos(task.resolve("stat"));
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }

    /**
     * @return true for HotSpot's JIT compiler threads ("C1 CompilerThread0", "C2 CompilerThread1":
     *     "C1 CompilerThre", "C2 CompilerThre" as the kernel keeps them)
     */
    public static boolean isJitCompilerThread(String comm) {
        return comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");
    }

    /** @return true for the JVM's garbage collector and VM threads (HotSpot names) */
    static boolean isGcOrVmThread(String comm) {
        return comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.startsWith("VM ") || comm.startsWith("ZGC")
                || comm.startsWith("Shenandoah");
    }

    private static long statNanos(Path stat) throws IOException {
        String s = Files.readString(stat);
        // Fields after "(comm)" start at field 3 (state); utime and stime are fields 14 and 15.
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        if (f.length < 13) {
            throw new IOException(stat + ": " + f.length + " fields after comm (expected: >= 13)");
        }
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
    }
}
