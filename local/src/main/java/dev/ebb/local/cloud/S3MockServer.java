package dev.ebb.local.cloud;

import com.adobe.testing.s3mock.S3MockApplication;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.catalina.connector.Connector;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * The local cloud's S3-compatible store: S3Mock (Apache-2.0) in process, plain HTTP on 127.0.0.1 only, its buckets
 * and objects kept under a folder that survives a restart. It supports presigned URLs and returns ETags.
 */
final class S3MockServer {
    /**
     * Tomcat, and Spring once Spring Boot's logging system is off, log through java.util.logging, which keeps its
     * loggers weakly: held here, quiet below WARNING.
     */
    private static final List<java.util.logging.Logger> QUIET_LOGGERS = Stream.of("org.apache.catalina",
                    "org.apache.coyote", "org.apache.tomcat", "org.springframework", "com.adobe.testing.s3mock")
            .map(java.util.logging.Logger::getLogger)
            .peek(logger -> logger.setLevel(java.util.logging.Level.WARNING))
            .toList();

    private final S3MockApplication application;
    private final int port;

    private S3MockServer(S3MockApplication application, int port) {
        this.application = application;
        this.port = port;
    }

    static S3MockServer start(Path root, int port) {
        // Spring Boot would otherwise replace the process's logging configuration with its own.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        Map<String, Object> properties = new HashMap<>();
        properties.put("http.port", port);
        // The HTTPS connector: on a free port of 127.0.0.1 (S3Mock always opens one); clients use plain HTTP.
        properties.put("server.port", 0);
        properties.put("server.address", "127.0.0.1");
        properties.put("silent", true);
        // Spring logs its start-up under the main class's name (Ebb's own): not this server's to say.
        properties.put("spring.main.log-startup-info", false);
        properties.put("com.adobe.testing.s3mock.store.root", root.toString());
        properties.put("com.adobe.testing.s3mock.store.retain-files-on-exit", true);
        // S3Mock's plain-HTTP connector has no address setting: Loopback binds it to 127.0.0.1 before it starts.
        properties.put("spring.main.sources", Loopback.class.getName());
        return new S3MockServer(S3MockApplication.start(properties), port);
    }

    int port() {
        return port;
    }

    void stop() {
        application.stop();
    }

    /** Binds every Tomcat connector S3Mock declares as a bean to 127.0.0.1. */
    public static final class Loopback implements BeanPostProcessor {
        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) {
            if (bean instanceof Connector connector) {
                connector.setProperty("address", "127.0.0.1");
            }
            return bean;
        }
    }
}
