package dev.ebb.core.config;

import java.time.Duration;
import java.util.Map;

/** Typed reads of environment variables; every failure names the variable and what it expected. */
public final class Env {
    private final Map<String, String> vars;

    public Env(Map<String, String> vars) {
        this.vars = vars;
    }

    public String required(String name) {
        String value = vars.get(name);
        if (value == null || value.isBlank()) {
            throw new SettingsException("environment variable " + name + " is not set");
        }
        return value.strip();
    }

    public String string(String name, String fallback) {
        String value = vars.get(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    public int integer(String name, int fallback, int min, int max) {
        String value = vars.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed < min || parsed > max) {
                throw new SettingsException(name + "=" + value + " is out of range [" + min + ", " + max + "]");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new SettingsException(name + "=" + value + " is not a whole number");
        }
    }

    /** A duration in seconds (whole, positive). */
    public Duration seconds(String name, Duration fallback) {
        int seconds = integer(name, (int) fallback.toSeconds(), 1, Integer.MAX_VALUE);
        return Duration.ofSeconds(seconds);
    }

    public Duration millis(String name, Duration fallback) {
        return Duration.ofMillis(integer(name, (int) fallback.toMillis(), 0, 60_000));
    }

    /** A decimal number within [min, max]; NaN and infinities are refused. */
    public double decimal(String name, double fallback, double min, double max) {
        String value = vars.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new SettingsException(name + "=" + value + " is not a number");
        }
        if (!(parsed >= min && parsed <= max)) {
            throw new SettingsException(name + "=" + value + " is out of range [" + min + ", " + max + "]");
        }
        return parsed;
    }
}
