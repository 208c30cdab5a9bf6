package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@link ProcCpu} on this JVM's own procfs entries (Linux, as CI). */
class ProcCpuTest {
    @Test
    void jitCompilerThreadsAreKnownByTheirKernelNames() throws Exception {
        List<String> names;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            names = tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (Exception e) {
                    return ""; // the thread ended meanwhile
                }
            }).toList();
        }
        assertThat(names).as("this JVM's threads").anyMatch(ProcCpu::isJitCompilerThread);
        assertThat(ProcCpu.isJitCompilerThread("GC Thread#0")).isFalse();
        assertThat(ProcCpu.isJitCompilerThread("bots-1-1")).isFalse();
    }

    @Test
    void aProcessReadByItsIdCountsWhatItsOwnViewCounts() {
        long own = ProcCpu.ownThreadsNanos(n -> true);
        long byPid = ProcCpu.threadsNanos(ProcessHandle.current().pid(), n -> true);
        assertThat(own).as("this JVM has run for a while").isPositive();
        assertThat(byPid).as("read later, never less").isGreaterThanOrEqualTo(own);
        assertThat(ProcCpu.threadsNanos(ProcessHandle.current().pid(), n -> false)).isZero();
    }

    @Test
    void aProcessThatDoesNotExistReadsZero() {
        assertThat(ProcCpu.threadsNanos(999_999_999L, n -> true)).isZero();
    }
}
