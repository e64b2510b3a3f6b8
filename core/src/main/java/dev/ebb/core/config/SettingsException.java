package dev.ebb.core.config;

/** A missing or malformed setting, named, found at start-up. */
public final class SettingsException extends RuntimeException {
    public SettingsException(String message) {
        super(message);
    }
}
