package dev.ebb.core.task.embed;

import dev.ebb.core.task.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Locale;

/**
 * How an {@code embed} result carries its vectors: {@code float}, a JSON array of numbers (the default), or
 * {@code base64}, each vector's little-endian IEEE 754 float32 bytes in standard base64 (as the best-known embeddings
 * API's {@code encoding_format: "base64"}). The second is a third of the first's JSON and needs no float formatting or
 * parsing anywhere on the way: the worker writes the bytes the model gave, and a client reads them back bit for bit
 * (in Python, {@code numpy.frombuffer(base64.b64decode(s), "<f4")}).
 */
public enum VectorEncoding {
    FLOAT, BASE64;

    public static final String FIELD = "encoding";
    private static final String ALLOWED = "float, base64";

    /** The name used in requests and results. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a request's value: {@code float} or {@code base64}; anything else is a 400 {@code unknown_encoding}. */
    public static VectorEncoding parse(String value) throws InvalidInputException {
        for (VectorEncoding encoding : values()) {
            if (encoding.wireName().equals(value)) {
                return encoding;
            }
        }
        throw unknown(value == null ? "nothing" : "'" + Texts.shorten(value) + "'");
    }

    /** The 400 for an encoding that is not one of the allowed values; {@code got} says what was given. */
    static InvalidInputException unknown(String got) {
        return new InvalidInputException("unknown_encoding", "\"" + FIELD + "\" must be one of " + ALLOWED + ", got "
                + got);
    }

    /** A vector's little-endian float32 bytes, in base64; every bit of every float is kept (NaN payloads too). */
    public static String toBase64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
            bytes.putInt(Float.floatToRawIntBits(value));
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** The vector of {@link #toBase64}'s text; a length that is not whole floats is refused. */
    public static float[] fromBase64(String text) {
        byte[] raw = Base64.getDecoder().decode(text);
        if (raw.length % Float.BYTES != 0) {
            throw new IllegalArgumentException(raw.length + " bytes are not a whole number of float32 values");
        }
        ByteBuffer bytes = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] vector = new float[raw.length / Float.BYTES];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = Float.intBitsToFloat(bytes.getInt());
        }
        return vector;
    }
}
