package dev.ebb.local.runtime;

import dev.ebb.core.config.SettingsException;
import dev.ebb.core.scale.ScalingSettings;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --workers MAX} or {@code --workers MIN..MAX}: the gpu lane's worker range for {@code ebb up}. */
public final class WorkerRange {
    private static final Pattern RANGE = Pattern.compile("(?:(\\d{1,5})\\.\\.)?(\\d{1,5})");

    private WorkerRange() {
    }

    /** {@code settings} with the range in {@code value} (null: unchanged); MAX alone means 0..MAX. */
    public static ScalingSettings apply(String value, ScalingSettings settings) {
        if (value == null) {
            return settings;
        }
        Matcher matcher = RANGE.matcher(value.strip());
        if (!matcher.matches()) {
            throw new SettingsException("--workers " + value + ": expected MAX or MIN..MAX, e.g. 4 or 0..4");
        }
        int min = matcher.group(1) == null ? 0 : Integer.parseInt(matcher.group(1));
        int max = Integer.parseInt(matcher.group(2));
        if (max < 1) {
            throw new SettingsException("--workers " + value + ": MAX must be at least 1");
        }
        if (min > max) {
            throw new SettingsException("--workers " + value + ": MIN " + min + " exceeds MAX " + max);
        }
        return settings.withWorkers(min, max);
    }
}
