package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How the client commands show the API's answers to people: a job as aligned fields, a list as a table. */
final class Views {
    /** Longer results are cut here; {@code --json} prints them whole. */
    static final int MAX_RESULT_CHARS = 160;

    private Views() {
    }

    static void job(JsonNode job, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"job", job.path("jobId").asText()});
        rows.add(new String[] {"status", job.path("status").asText()});
        String task = job.path("task").asText();
        rows.add(new String[] {"task", job.hasNonNull("model") ? task + " (" + job.path("model").asText() + ")" : task});
        JsonNode timings = job.path("timings");
        if (!timings.isMissingNode()) {
            StringBuilder took = new StringBuilder("waited ").append(timings.path("waitMs").asLong()).append(" ms");
            if (timings.has("runMs")) {
                took.append(", ran ").append(timings.path("runMs").asLong()).append(" ms");
            }
            if (timings.has("totalMs")) {
                took.append(", ").append(timings.path("totalMs").asLong()).append(" ms in all");
            }
            rows.add(new String[] {"time", took.toString()});
            rows.add(new String[] {"queued", timings.path("queuedAt").asText()});
        }
        if (job.path("attempts").asInt() > 1) {
            rows.add(new String[] {"attempts", job.path("attempts").asText()});
        }
        if (job.has("cost")) {
            rows.add(new String[] {"cost", cost(job.get("cost"))});
        }
        if (job.has("result")) {
            rows.add(new String[] {"result", result(job.get("result"))});
        }
        if (job.has("error")) {
            rows.add(new String[] {"error", job.path("error").path("code").asText() + ": "
                    + job.path("error").path("message").asText()});
        }
        if (job.has("lastError")) {
            rows.add(new String[] {"last error", job.path("lastError").path("code").asText() + ": "
                    + job.path("lastError").path("message").asText()});
        }
        for (String[] row : rows) {
            out.printf("%-9s %s%n", row[0], row[1]);
        }
    }

    /** {@code GET /v1/jobs}: one row a job, the next page's token below. */
    static void jobs(JsonNode page, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"JOB", "STATUS", "TASK", "QUEUED AT", "WAIT MS", "RUN MS"});
        for (JsonNode job : page.path("jobs")) {
            JsonNode timings = job.path("timings");
            rows.add(new String[] {job.path("jobId").asText(), job.path("status").asText(), job.path("task").asText(),
                    timings.path("queuedAt").asText(), timings.path("waitMs").asText(""),
                    timings.has("runMs") ? timings.path("runMs").asText() : ""});
        }
        table(rows, out);
        if (page.hasNonNull("nextToken")) {
            out.println("more: --next-token " + page.path("nextToken").asText());
        }
    }

    /** Columns padded to their widest cell; numbers are right-aligned. */
    static void table(List<String[]> rows, PrintWriter out) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean number = !row[c].isEmpty() && row[c].chars().allMatch(ch -> Character.isDigit(ch) || ch == '.');
                String format = "%" + (number ? "" : "-") + widths[c] + "s";
                line.append(String.format(format, row[c])).append(c + 1 < columns ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** The API's error as its status, code and message. */
    static String error(int status, JsonNode body) {
        JsonNode error = body.path("error");
        if (error.isMissingNode()) {
            return "the API answered " + status + (body.isEmpty() ? "" : ": " + body);
        }
        return "the API answered " + status + " " + error.path("code").asText() + ": " + error.path("message").asText();
    }

    /**
     * A job's cost as the API gives it: a number of US dollars, or an object whose {@code usd} or {@code totalUsd}
     * is the total (the other fields are its parts, shown by {@code --json}).
     */
    static String cost(JsonNode cost) {
        JsonNode usd = cost.isNumber() ? cost : cost.has("totalUsd") ? cost.get("totalUsd") : cost.path("usd");
        if (usd.isNumber()) {
            return String.format(Locale.ROOT, "$%.8f (%s per 1,000 such jobs)", usd.asDouble(),
                    String.format(Locale.ROOT, "$%.4f", usd.asDouble() * 1000));
        }
        return cost.toString();
    }

    static String result(JsonNode result) {
        String text = result.isObject() && result.size() == 1 && result.has("text") ? result.get("text").asText()
                : result.toString();
        return text.length() <= MAX_RESULT_CHARS ? text
                : text.substring(0, MAX_RESULT_CHARS) + "… (" + text.length() + " characters; --json shows all)";
    }
}
