package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Nothing of the local cloud can be reached from the network: every socket that this JVM or a process it started
 * (the DynamoDB server) listens on is bound to 127.0.0.1, as {@code ss -ltn} would show, and the data folder is its
 * owner's only. Read from Linux's {@code /proc}; skipped elsewhere.
 */
class LoopbackIT {

    @Test
    void everyListeningSocket_ofTheLocalCloudAndItsServers_isOnLoopback() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "no /proc/net/tcp here");
        LocalRuntime ebb = EmbeddedEbb.get();
        Set<String> inodes = new HashSet<>(socketInodes(ProcessHandle.current().pid()));
        ProcessHandle.current().descendants().forEach(p -> inodes.addAll(socketInodes(p.pid())));

        List<String> listening = new ArrayList<>();
        listening.addAll(listeners(Path.of("/proc/net/tcp"), inodes));
        listening.addAll(listeners(Path.of("/proc/net/tcp6"), inodes));

        // The gateway, SQS, DynamoDB and S3 (plain HTTP and S3Mock's HTTPS connector) at least.
        assertThat(listening).hasSizeGreaterThanOrEqualTo(5);
        assertThat(listening).allSatisfy(address ->
                assertThat(address).as("a listening socket's local address").isIn("0100007F", "0000000000000000FFFF00000100007F"));
        assertThat(listenerPorts(inodes)).contains(ebb.apiEndpoint().getPort(), ebb.cloud().sqsEndpoint().getPort(),
                ebb.cloud().dynamoDbEndpoint().getPort(), ebb.cloud().s3Endpoint().getPort());
    }

    @Test
    void theDataFolderAndItsServersFolders_areTheOwnersOnly() throws IOException {
        Path data = EmbeddedEbb.get().cloud().config().dataDir();
        for (Path dir : List.of(data, data.resolve("dynoxide"), data.resolve("sqs"), data.resolve("s3"))) {
            assertThat(Files.getPosixFilePermissions(dir)).as(dir.toString())
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.OWNER_EXECUTE);
        }
    }

    /** The socket inodes a process holds open. */
    private static Set<String> socketInodes(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            });
        } catch (IOException e) {
            // the process ended meanwhile
        }
        return inodes;
    }

    /** Local addresses (hex, as /proc writes them) of the sockets in LISTEN state among {@code inodes}. */
    private static List<String> listeners(Path table, Set<String> inodes) throws IOException {
        List<String> addresses = new ArrayList<>();
        if (!Files.isReadable(table)) {
            return addresses;
        }
        for (String line : Files.readAllLines(table).subList(1, Files.readAllLines(table).size())) {
            String[] f = line.trim().split("\\s+");
            if (f[3].equals("0A") && inodes.contains(f[9])) {
                addresses.add(f[1].substring(0, f[1].indexOf(':')));
            }
        }
        return addresses;
    }

    private static List<Integer> listenerPorts(Set<String> inodes) throws IOException {
        List<Integer> ports = new ArrayList<>();
        for (Path table : List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"))) {
            if (!Files.isReadable(table)) {
                continue;
            }
            List<String> lines = Files.readAllLines(table);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }
}
