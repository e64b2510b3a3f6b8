package dev.ebb.local.simulate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * Arrival times of jobs, in seconds from the start, sorted. Built in: Poisson arrivals (seeded, so a trace is the
 * same every run) at a rate that follows a shape over time; or read from a CSV file of arrival times.
 *
 * @param duration the trace's length in seconds (at least the last arrival)
 */
public record Trace(String name, String description, double[] arrivals, double duration) {
    /** The built-in traces, in the order the comparison prints them. */
    public static final List<String> BUILT_IN = List.of("steady", "spiky", "diurnal",
            "tier-10", "tier-100", "tier-1000", "tier-10000");
    /** The seed tiers are replayed at this fraction of their request rate (see {@link #builtIn}). */
    public static final int TIER_SCALE_DOWN = 1000;

    private static final double HOUR = 3600;
    private static final double DAY = 24 * HOUR;

    /**
     * <ul>
     * <li>{@code steady}: 20 jobs/s for 4 hours.</li>
     * <li>{@code spiky}: 0.2 jobs/s for 4 hours, plus bursts of 100 jobs/s lasting 2 minutes that begin at random
     *     times, on average every 30 minutes.</li>
     * <li>{@code diurnal}: a day, from near nothing at night to 80 jobs/s at noon (mean 30 jobs/s).</li>
     * <li>{@code tier-N}: the diurnal day with a mean of N requests per second, scaled down
     *     {@value #TIER_SCALE_DOWN}× (tier-10000 replays 10 jobs/s on average) so that a day runs in seconds.</li>
     * </ul>
     */
    public static Trace builtIn(String name, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ name.hashCode());
        return switch (name) {
            case "steady" -> poisson(name, "20 jobs/s for 4 h", 4 * HOUR, 20, t -> 20, random);
            case "spiky" -> {
                double[] bursts = burstStarts(4 * HOUR, 30 * 60, random);
                yield poisson(name, "0.2 jobs/s, bursts of 100 jobs/s for 2 min about every 30 min, 4 h",
                        4 * HOUR, 100, t -> inBurst(t, bursts, 120) ? 100 : 0.2, random);
            }
            case "diurnal" -> diurnal(name, "a day: night near 0, noon 80 jobs/s (mean 30)", 80, random);
            default -> {
                if (name.startsWith("tier-") && BUILT_IN.contains(name)) {
                    int tier = Integer.parseInt(name.substring("tier-".length()));
                    double mean = (double) tier / TIER_SCALE_DOWN;
                    // The diurnal shape's mean is 3/8 of its peak.
                    yield diurnal(name, "seed tier " + tier + " req/s, diurnal, scaled down " + TIER_SCALE_DOWN
                            + "x (mean " + mean + " jobs/s)", mean * 8 / 3, random);
                }
                throw new IllegalArgumentException("unknown trace '" + name + "': built in are "
                        + String.join(", ", BUILT_IN) + ", or give a .csv file");
            }
        };
    }

    /**
     * One arrival time in seconds per line; an optional header on the first line; blank lines and lines starting
     * with # are skipped. The times need not be sorted.
     *
     * @throws TraceFormatException naming the file and line of the first bad line
     */
    public static Trace fromCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        double[] times = new double[lines.size()];
        int count = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String field = line.split(",", 2)[0].strip();
            double time;
            try {
                time = Double.parseDouble(field);
            } catch (NumberFormatException e) {
                if (i == 0) {
                    continue; // a header
                }
                throw new TraceFormatException(file + " line " + (i + 1) + ": '" + abbreviate(line)
                        + "' is not an arrival time in seconds");
            }
            if (!Double.isFinite(time) || time < 0) {
                throw new TraceFormatException(file + " line " + (i + 1) + ": arrival time " + field
                        + " must be a finite number of seconds, 0 or more");
            }
            times[count++] = time;
        }
        if (count == 0) {
            throw new TraceFormatException(file + ": no arrival times");
        }
        double[] arrivals = Arrays.copyOf(times, count);
        Arrays.sort(arrivals);
        return new Trace(file.getFileName().toString(), count + " arrivals from " + file.getFileName(), arrivals,
                arrivals[count - 1]);
    }

    public int jobs() {
        return arrivals.length;
    }

    private static Trace diurnal(String name, String description, double peak, SplittableRandom random) {
        return poisson(name, description, DAY, peak, t -> {
            double x = (1 - Math.cos(2 * Math.PI * t / DAY)) / 2;
            return peak * x * x;
        }, random);
    }

    /** Non-homogeneous Poisson arrivals by thinning: candidates at {@code maxRate}, kept with rate(t)/maxRate. */
    private static Trace poisson(String name, String description, double duration, double maxRate,
                                 DoubleUnaryOperator rate, SplittableRandom random) {
        double[] times = new double[1024];
        int count = 0;
        double t = 0;
        while (true) {
            t += -Math.log(1 - random.nextDouble()) / maxRate;
            if (t >= duration) {
                break;
            }
            if (random.nextDouble() * maxRate < rate.applyAsDouble(t)) {
                if (count == times.length) {
                    times = Arrays.copyOf(times, count * 2);
                }
                times[count++] = t;
            }
        }
        return new Trace(name, description, Arrays.copyOf(times, count), duration);
    }

    private static double[] burstStarts(double duration, double meanGap, SplittableRandom random) {
        double[] starts = new double[64];
        int count = 0;
        double t = 0;
        while (true) {
            t += -Math.log(1 - random.nextDouble()) * meanGap;
            if (t >= duration) {
                return Arrays.copyOf(starts, count);
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
            }
            starts[count++] = t;
        }
    }

    private static boolean inBurst(double t, double[] starts, double length) {
        int i = Arrays.binarySearch(starts, t);
        int before = i >= 0 ? i : -i - 2;
        return before >= 0 && t < starts[before] + length;
    }

    private static String abbreviate(String line) {
        return line.length() <= 40 ? line : line.substring(0, 40) + "…";
    }

    /** A trace file that cannot be read as arrival times. */
    public static final class TraceFormatException extends IllegalArgumentException {
        public TraceFormatException(String message) {
            super(message);
        }
    }
}
