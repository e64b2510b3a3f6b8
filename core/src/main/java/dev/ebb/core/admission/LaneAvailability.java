package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.task.Lane;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Refuses jobs of a lane this deployment does not run ({@code 400 lane_unavailable}) instead of accepting them into
 * a queue nothing consumes. The SAM deployment has no gpu workers: it names {@code gpu} in
 * {@code EBB_UNAVAILABLE_LANES}, so an embed or classify request is refused at submit (and an upload of one is
 * skipped) rather than answered 202 and left QUEUED until its TTL.
 */
public final class LaneAvailability implements AdmissionStep {
    /** Comma-separated lane ids ({@code gpu}, {@code cpu}) that nothing consumes here; empty or unset: none. */
    public static final String UNAVAILABLE_LANES = Deployment.UNAVAILABLE_LANES.name();

    private final Set<Lane> unavailable;

    public LaneAvailability(Set<Lane> unavailable) {
        this.unavailable = unavailable.isEmpty() ? EnumSet.noneOf(Lane.class) : EnumSet.copyOf(unavailable);
    }

    /** The lanes {@code EBB_UNAVAILABLE_LANES} names; a name that is not a lane fails with the variable's name. */
    public static LaneAvailability fromEnv(Map<String, String> env) {
        String value = env.getOrDefault(UNAVAILABLE_LANES, "");
        Set<Lane> lanes = EnumSet.noneOf(Lane.class);
        for (String id : value.split(",")) {
            if (!id.isBlank()) {
                try {
                    lanes.add(Lane.fromId(id.strip()));
                } catch (IllegalArgumentException e) {
                    throw new SettingsException(UNAVAILABLE_LANES + " is '" + value + "': " + e.getMessage());
                }
            }
        }
        return new LaneAvailability(lanes);
    }

    public Set<Lane> unavailable() {
        return Set.copyOf(unavailable);
    }

    @Override
    public Stage stage() {
        return Stage.KILL_SWITCH;
    }

    @Override
    public Decision admit(Admission submit) {
        Lane lane = submit.task().lane();
        if (!unavailable.contains(lane)) {
            return Decision.pass();
        }
        return Decision.reject(ApiException.badRequest("lane_unavailable", "task '" + submit.task().name()
                + "' runs on the " + lane.id() + " lane, which this deployment does not run"));
    }
}
