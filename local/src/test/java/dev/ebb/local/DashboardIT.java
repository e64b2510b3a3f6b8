package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.local.runtime.LocalRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium: a burst submitted from the page moves its charts, the watched job finishes with
 * its cost, an API error shows as code and message, and the page's counts are the metrics'. Uses the Debian
 * {@code chromium} and {@code chromedriver} binaries (nothing is downloaded); skipped where they are not installed.
 * Leaves a screenshot in {@code target/dashboard.png}.
 */
class DashboardIT {
    private static final Path CHROMIUM = Path.of(System.getProperty("ebb.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("ebb.chromedriver", "/usr/bin/chromedriver"));
    private static final int BURST = 40;

    private WebDriver browser;
    private Path profile;

    @BeforeEach
    void startBrowser() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        profile = Files.createTempDirectory("ebb-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1100",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aBurstSubmittedFromThePage_movesTheCharts_andTheWatchedJobFinishesWithItsCost() throws Exception {
        LocalRuntime ebb = EmbeddedEbb.get();
        String key = ebb.keys().create("dashboard");
        long acceptedBefore = state(ebb).at("/totals/JobsAccepted").asLong();
        browser.get(ebb.dashboardUrl() + "#key=" + key);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90));
        wait.until(b -> text("updated").startsWith("updated"));
        assertThat(browser.getCurrentUrl()).as("the key leaves the address bar").doesNotContain(key);

        // An API error is its code and message.
        new Select(browser.findElement(By.id("task"))).selectByValue("math");
        type("input", "{\"text\": 42}");
        browser.findElement(By.id("submit")).click();
        wait.until(b -> !text("error").isEmpty());
        assertThat(text("error")).matches("[a-z_]+: .+");

        type("input", "{\"text\":\"What is 6 times 7?\"}");
        type("count", Integer.toString(BURST));
        browser.findElement(By.id("submit")).click();

        wait.until(b -> "SUCCEEDED".equals(browser.findElement(By.id("watched")).getDomAttribute("data-status")));
        assertThat(text("watched")).contains("SUCCEEDED").contains("cost $");
        wait.until(b -> number("accepted-line", "data-max") >= 1 && number("ended-line", "data-max") >= 1);
        wait.until(b -> !browser.findElements(By.cssSelector("#jobs td.SUCCEEDED")).isEmpty());
        wait.until(b -> text("cost-per-1000").startsWith("$"));
        assertThat(text("e2e")).contains("p50");

        JsonNode state = state(ebb);
        assertThat(state.at("/totals/JobsAccepted").asLong() - acceptedBefore).isGreaterThanOrEqualTo(BURST);
        assertThat(state.at("/queues/cpu").has("visible")).isTrue();

        Path shot = Path.of("target", "dashboard.png");
        Files.createDirectories(shot.getParent());
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot,
                StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(shot)).isPositive();
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText().strip();
    }

    private double number(String id, String attribute) {
        String value = browser.findElement(By.id(id)).getDomAttribute(attribute);
        return value == null || value.isEmpty() ? 0 : Double.parseDouble(value);
    }

    private void type(String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private static JsonNode state(LocalRuntime ebb) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(ebb.apiEndpoint() + "/dashboard/state")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }
}
