package dev.ebb.core.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * A logback encoder for one JSON object a line, what CloudWatch Logs Insights reads field by field:
 * {@code time} (ISO-8601), {@code level}, {@code logger}, {@code thread}, {@code message} (formatted), then the
 * request's ids from the MDC (requestId, tenant, jobId …) and any key-value pairs as top-level fields, and for an
 * exception its class, message and first frames. Nothing else: no logging-context birthdate, no empty MDC object,
 * no unformatted template. What goes into a message is the caller's business: never payloads or keys.
 */
public final class JsonLines extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] NOTHING = new byte[0];
    /** Frames of a stack trace kept: where it happened, not the whole framework below. */
    static final int MAX_FRAMES = 15;

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> entry : mdc.entrySet()) {
                    json.writeStringField(entry.getKey(), entry.getValue());
                }
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    json.writeStringField(pair.key, String.valueOf(pair.value));
                }
            }
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                json.writeStringField("exception", error.getClassName());
                if (error.getMessage() != null) {
                    json.writeStringField("exceptionMessage", error.getMessage());
                }
                StackTraceElementProxy[] frames = error.getStackTraceElementProxyArray();
                if (frames != null && frames.length > 0) {
                    json.writeArrayFieldStart("stack");
                    for (int i = 0; i < Math.min(MAX_FRAMES, frames.length); i++) {
                        json.writeString(frames[i].getStackTraceElement().toString());
                    }
                    json.writeEndArray();
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** For tests: the line as text. */
    static String text(byte[] line) {
        return new String(line, StandardCharsets.UTF_8);
    }
}
