package dev.ebb.local.cloud;

import java.util.List;
import java.util.Map;

/**
 * What {@link LocalCloud#provision(ResourceSpec)} made sure exists.
 *
 * @param queueUrls lane → main queue URL
 * @param dlqUrls   lane → dead-letter queue URL
 * @param tables    table names
 */
public record ProvisionedResources(Map<String, String> queueUrls, Map<String, String> dlqUrls, List<String> tables) {

    public ProvisionedResources {
        queueUrls = Map.copyOf(queueUrls);
        dlqUrls = Map.copyOf(dlqUrls);
        tables = List.copyOf(tables);
    }

    public String queueUrl(String lane) {
        return require(queueUrls, lane);
    }

    public String dlqUrl(String lane) {
        return require(dlqUrls, lane);
    }

    private static String require(Map<String, String> urls, String lane) {
        String url = urls.get(lane);
        if (url == null) {
            throw new IllegalArgumentException("no queue for lane '" + lane + "'; lanes: " + urls.keySet());
        }
        return url;
    }
}
