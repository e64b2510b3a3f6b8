package dev.ebb.local.simulate;

import java.util.List;
import java.util.Locale;

/**
 * A hand-written SVG: one panel per trace, workers over time for each rule (left axis) and the queue depth under
 * the Ebb policy (shaded, right axis).
 */
final class SvgChart {
    private static final int WIDTH = 900;
    private static final int PANEL = 190;
    private static final int LEFT = 60;
    private static final int RIGHT = 70;
    private static final int TOP = 30;
    private static final String[] COLOURS = {"#1f6feb", "#d97706", "#6b7280"};
    private static final String[] DASHES = {"", "6 3", "2 3"};

    /** One panel: the results of every rule on one trace; the first result's depth is shaded. */
    record Panel(String title, List<Simulation.Result> results) {
    }

    private SvgChart() {
    }

    static String render(List<Panel> panels) {
        int height = TOP + panels.size() * PANEL + 10;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, height, WIDTH, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        // Legend.
        int x = LEFT;
        List<Simulation.Result> first = panels.get(0).results();
        for (int i = 0; i < first.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"14\" x2=\"%d\" y2=\"14\" stroke=\"%s\" "
                    + "stroke-width=\"2\" stroke-dasharray=\"%s\"/>", x, x + 24, COLOURS[i % 3], DASHES[i % 3]));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\">workers, %s</text>%n", x + 30,
                    escape(label(first.get(i).rule()))));
            x += 190;
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"8\" width=\"24\" height=\"10\" fill=\"#93c5fd\" "
                + "fill-opacity=\"0.5\"/><text x=\"%d\" y=\"18\">queue depth, ebb policy (right axis)</text>%n",
                x, x + 30));
        for (int p = 0; p < panels.size(); p++) {
            panel(svg, panels.get(p), TOP + p * PANEL);
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(StringBuilder svg, Panel panel, int top) {
        int plotTop = top + 22;
        int plotHeight = PANEL - 50;
        int plotWidth = WIDTH - LEFT - RIGHT;
        double end = 0;
        int maxWorkers = 1;
        long maxDepth = 1;
        for (Simulation.Result result : panel.results()) {
            end = Math.max(end, result.times()[result.times().length - 1]);
            for (int w : result.workers()) {
                maxWorkers = Math.max(maxWorkers, w);
            }
        }
        for (long d : panel.results().get(0).depth()) {
            maxDepth = Math.max(maxDepth, d);
        }
        double hours = end / 3600;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", LEFT,
                top + 14, escape(panel.title())));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#d1d5db\"/>%n", LEFT, plotTop, plotWidth, plotHeight));
        // Depth area (right axis).
        Simulation.Result ours = panel.results().get(0);
        StringBuilder area = new StringBuilder();
        area.append(String.format(Locale.ROOT, "M%.1f,%.1f", (double) LEFT, (double) plotTop + plotHeight));
        for (int i = 0; i < ours.times().length; i++) {
            double px = LEFT + ours.times()[i] / end * plotWidth;
            double py = plotTop + plotHeight - (double) ours.depth()[i] / maxDepth * plotHeight;
            area.append(String.format(Locale.ROOT, " L%.1f,%.1f", px, py));
        }
        area.append(String.format(Locale.ROOT, " L%.1f,%.1f Z", (double) LEFT + plotWidth,
                (double) plotTop + plotHeight));
        svg.append("<path d=\"").append(area).append("\" fill=\"#93c5fd\" fill-opacity=\"0.5\" stroke=\"none\"/>\n");
        // Worker step lines (left axis).
        for (int r = 0; r < panel.results().size(); r++) {
            Simulation.Result result = panel.results().get(r);
            StringBuilder line = new StringBuilder();
            double previousY = Double.NaN;
            for (int i = 0; i < result.times().length; i++) {
                double px = LEFT + result.times()[i] / end * plotWidth;
                double py = plotTop + plotHeight - (double) result.workers()[i] / maxWorkers * plotHeight;
                if (i == 0) {
                    line.append(String.format(Locale.ROOT, "M%.1f,%.1f", px, py));
                } else {
                    line.append(String.format(Locale.ROOT, " L%.1f,%.1f L%.1f,%.1f", px, previousY, px, py));
                }
                previousY = py;
            }
            svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                    + "stroke-dasharray=\"%s\"/>%n", line, COLOURS[r % 3], DASHES[r % 3]));
        }
        // Axes labels.
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>", LEFT - 4,
                plotTop + 4, maxWorkers));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", LEFT - 4,
                plotTop + plotHeight));
        svg.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                + "text-anchor=\"middle\">workers</text>", plotTop + plotHeight / 2, plotTop + plotHeight / 2));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%d</text>", LEFT + plotWidth + 4,
                plotTop + 4, maxDepth));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">0</text>", LEFT + plotWidth + 4,
                plotTop + plotHeight));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" transform=\"rotate(90 %d %d)\" "
                + "text-anchor=\"middle\">queued jobs</text>", WIDTH - 14, plotTop + plotHeight / 2, WIDTH - 14,
                plotTop + plotHeight / 2));
        int ticks = hours <= 6 ? (int) Math.ceil(hours) : 6;
        for (int t = 0; t <= ticks; t++) {
            double h = hours * t / ticks;
            double px = LEFT + (double) t / ticks * plotWidth;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", px,
                    plotTop + plotHeight + 14, h == Math.rint(h) ? (int) h + " h" : String.format(Locale.ROOT,
                            "%.1f h", h)));
        }
        svg.append('\n');
    }

    private static String label(String rule) {
        return rule.startsWith("always-on") ? "always-on (sized to the same p95)" : rule;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
