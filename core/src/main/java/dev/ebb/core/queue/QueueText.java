package dev.ebb.core.queue;

/**
 * What SQS accepts in a message body: XML characters — tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and
 * U+10000–U+10FFFF. JSON escapes the control characters, but an unpaired surrogate or U+FFFE/U+FFFF would pass
 * through to the queue, which refuses the whole message.
 */
public final class QueueText {
    private QueueText() {
    }

    /** The index of the first character SQS would refuse, or -1. */
    public static int firstInvalid(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF'
                    || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
                return i;
            }
        }
        return -1;
    }
}
