package dev.ebb.core.task.chat;

import dev.ebb.core.session.Turn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What of a conversation is sent with a turn: the earlier turns that succeeded (each the user's message and the
 * reply), newest first into a token budget, so that when the budget is spent it is the oldest turns that are left
 * out; and the system prompt, which is never trimmed (the turn's own, or the latest an earlier turn gave).
 *
 * <p>Tokens are estimated as one per four characters (rounded up), the usual rule for English text with the
 * tokenizers of the models Ebb allows; Bedrock's own count comes back in the turn's usage.
 */
public final class History {

    private History() {
    }

    /** The estimated tokens of {@code text}. */
    public static int tokens(String text) {
        return text == null ? 0 : (text.length() + 3) / 4;
    }

    /** The estimated tokens of one earlier turn as sent: its message and its reply. */
    public static int tokens(Turn turn) {
        return tokens(turn.text()) + tokens(turn.reply());
    }

    /**
     * The turns of {@code earlier} (in conversation order) to send: only those that succeeded, and of them the
     * latest whose estimated tokens together fit in {@code budgetTokens}, in conversation order. A turn that does
     * not fit ends the history there (an older, shorter turn is not sent in its place: the model would see a gap).
     */
    public static List<Turn> trim(List<Turn> earlier, int budgetTokens) {
        List<Turn> kept = new ArrayList<>();
        int used = 0;
        for (int i = earlier.size() - 1; i >= 0; i--) {
            Turn turn = earlier.get(i);
            if (!turn.succeeded() || turn.reply() == null) {
                continue;
            }
            int cost = tokens(turn);
            if (used + cost > budgetTokens) {
                break;
            }
            used += cost;
            kept.add(turn);
        }
        Collections.reverse(kept);
        return kept;
    }

    /** The system prompt of a turn: its own, or else the latest one an earlier turn gave (null if none). */
    public static String system(List<Turn> earlier, String own) {
        if (own != null) {
            return own;
        }
        for (int i = earlier.size() - 1; i >= 0; i--) {
            if (earlier.get(i).system() != null) {
                return earlier.get(i).system();
            }
        }
        return null;
    }
}
