package dev.ebb.infra;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.PoolState;
import software.amazon.awscdk.services.autoscaling.WarmPoolOptions;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.IgnoreMode;
import software.amazon.awscdk.services.ecs.AmiHardwareType;
import software.amazon.awscdk.services.ecs.AsgCapacityProvider;
import software.amazon.awscdk.services.ecs.AssetImageProps;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.CapacityProviderStrategy;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.ContainerInsights;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.Ec2Service;
import software.amazon.awscdk.services.ecs.Ec2TaskDefinition;
import software.amazon.awscdk.services.ecs.EcsOptimizedImage;
import software.amazon.awscdk.services.ecs.LogDrivers;
import software.amazon.awscdk.services.ecs.NetworkMode;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The gpu lane's workers: a VPC without NAT (public subnets, no ingress at all), an ECS cluster whose only capacity
 * is an Auto Scaling group of GPU instances (ECS GPU-optimised AMI, minimum 0) behind a managed-scaling capacity
 * provider, the worker task asking for one GPU, and a service that starts at 0 tasks; the scaler function sets its
 * desired count and the capacity provider brings instances up and down to match.
 */
public final class GpuWorkers extends Construct {
    /** The worker container's name in the task definition. */
    public static final String CONTAINER = "worker";
    /** The uid the worker runs as; never root. */
    public static final String WORKER_USER = "10001";

    /**
     * @param instanceType    the GPU instance type (g5/g6)
     * @param maxWorkers      the most instances (one worker task each)
     * @param imageDirectory  the folder with the worker's Dockerfile (the image is built from it at deploy)
     * @param environment     the worker's environment: names of the queue, tables, bucket and the worker settings
     * @param memoryMiB       the worker container's hard memory limit
     * @param drainTime       how long ECS waits after SIGTERM before SIGKILL (the worker drains in this time)
     * @param warmPool        instances kept stopped in a warm pool (0: none)
     */
    public record Props(String instanceType, int maxWorkers, Path imageDirectory, Map<String, String> environment,
                        int memoryMiB, Duration drainTime, int warmPool) {
    }

    /**
     * A worker's start-up from zero as the scaler should count on it (docs/scaling.md breaks it down): cluster auto
     * scaling's reaction, the instance's launch and boot, the ECS agent, the image pull, the JVM and the model. An
     * estimate from published behaviour and what is measured here, not a measurement on AWS.
     */
    static final int COLD_STARTUP_SECONDS = 180;
    /** The same with a warm pool: a stopped, initialised instance starts instead of a new one launching. */
    static final int WARM_STARTUP_SECONDS = 90;

    private final Vpc vpc;
    private final Cluster cluster;
    private final AutoScalingGroup instances;
    private final Ec2TaskDefinition taskDefinition;
    private final Ec2Service service;
    private final LogGroup logs;
    private final Role instanceRole;
    private final int startupSeconds;

    public GpuWorkers(Construct scope, String id, Props props) {
        super(scope, id);
        // Public subnets only: a NAT gateway would cost ~$33/month idle. Instances get a public address for their
        // outbound calls to AWS APIs and ECR; the security group allows no inbound traffic.
        this.vpc = Vpc.Builder.create(this, "Vpc")
                .maxAzs(2)
                .natGateways(0)
                .subnetConfiguration(List.of(SubnetConfiguration.builder()
                        .name("public").subnetType(SubnetType.PUBLIC).cidrMask(24).build()))
                .flowLogs(Map.of("rejected", FlowLogOptions.builder()
                        .trafficType(FlowLogTrafficType.REJECT)
                        .destination(FlowLogDestination.toCloudWatchLogs(LogGroup.Builder.create(this, "FlowLogs")
                                .retention(RetentionDays.ONE_YEAR)
                                .removalPolicy(RemovalPolicy.DESTROY)
                                .build()))
                        .build()))
                .build();
        SecurityGroup noIngress = SecurityGroup.Builder.create(this, "InstanceSecurityGroup")
                .vpc(vpc)
                .description("GPU worker instances: no inbound traffic; outbound to AWS APIs and ECR")
                .allowAllOutbound(true)
                .build();

        this.cluster = Cluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .containerInsightsV2(ContainerInsights.ENABLED)
                .build();

        UserData userData = UserData.forLinux();
        userData.addCommands("echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config");
        if (props.warmPool() > 0) {
            // The agent must not register an instance with the cluster while it sits in the warm pool.
            userData.addCommands("echo ECS_WARM_POOLS_CHECK=true >> /etc/ecs/ecs.config");
        }
        this.instanceRole = Role.Builder.create(this, "InstanceRole")
                .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
                .description("GPU worker instances: the ECS agent's rights only (added by the cluster)")
                .build();
        LaunchTemplate launchTemplate = LaunchTemplate.Builder.create(this, "LaunchTemplate")
                .instanceType(new InstanceType(props.instanceType()))
                .machineImage(EcsOptimizedImage.amazonLinux2023(AmiHardwareType.GPU))
                .userData(userData)
                .role(instanceRole)
                .securityGroup(noIngress)
                .associatePublicIpAddress(true)
                .requireImdsv2(true)
                // One hop: the instance (the ECS agent) reaches the metadata service, a container on the bridge
                // network (one hop further) does not, so the worker cannot take the instance role's credentials;
                // it gets its task role from the ECS agent instead.
                .httpPutResponseHopLimit(1)
                // One-minute instance metrics while an instance runs (a few cents a day per instance).
                .detailedMonitoring(true)
                .blockDevices(List.of(BlockDevice.builder()
                        .deviceName("/dev/xvda")
                        .volume(BlockDeviceVolume.ebs(100, EbsDeviceOptions.builder()
                                .volumeType(EbsDeviceVolumeType.GP3).encrypted(true).deleteOnTermination(true).build()))
                        .build()))
                .build();
        this.instances = AutoScalingGroup.Builder.create(this, "Instances")
                .vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PUBLIC).build())
                .launchTemplate(launchTemplate)
                .minCapacity(0)
                .maxCapacity(props.maxWorkers())
                .build();
        if (props.warmPool() > 0) {
            // Stopped instances cost their EBS volume only (100 GB gp3 each); ECS does not allow reuse on scale-in.
            instances.addWarmPool(WarmPoolOptions.builder()
                    .minSize(props.warmPool())
                    .maxGroupPreparedCapacity(props.warmPool())
                    .poolState(PoolState.STOPPED)
                    .build());
        }
        this.startupSeconds = props.warmPool() > 0 ? WARM_STARTUP_SECONDS : COLD_STARTUP_SECONDS;
        AsgCapacityProvider capacity = AsgCapacityProvider.Builder.create(this, "Capacity")
                .autoScalingGroup(instances)
                .enableManagedScaling(true)
                .enableManagedTerminationProtection(true)
                .targetCapacityPercent(100)
                .build();
        cluster.addAsgCapacityProvider(capacity);

        this.logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        // Bridge networking: the task shares its instance's public address for outbound calls (awsvpc tasks on
        // EC2 get no public address and would need NAT or VPC endpoints).
        this.taskDefinition = Ec2TaskDefinition.Builder.create(this, "Task")
                .networkMode(NetworkMode.BRIDGE)
                .build();
        taskDefinition.addContainer(CONTAINER, ContainerDefinitionOptions.builder()
                .image(ContainerImage.fromAsset(props.imageDirectory().toString(), AssetImageProps.builder()
                        .file("Dockerfile")
                        // Only what the Dockerfile copies: the built worker, not sources or test output.
                        .ignoreMode(IgnoreMode.DOCKER)
                        .exclude(List.of("*", "!Dockerfile", "!target/*.jar", "!target/dependency", "!target/lib"))
                        .build()))
                .gpuCount(1)
                .memoryLimitMiB(props.memoryMiB())
                // The image's unprivileged user (see gpu-worker/Dockerfile).
                .user(WORKER_USER)
                .environment(props.environment())
                .stopTimeout(props.drainTime())
                .logging(LogDrivers.awsLogs(AwsLogDriverProps.builder().streamPrefix("gpu-worker").logGroup(logs).build()))
                .build());

        this.service = Ec2Service.Builder.create(this, "Service")
                .cluster(cluster)
                .taskDefinition(taskDefinition)
                .desiredCount(0)
                .minHealthyPercent(0)
                .maxHealthyPercent(100)
                .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
                .capacityProviderStrategies(List.of(CapacityProviderStrategy.builder()
                        .capacityProvider(capacity.getCapacityProviderName()).weight(1).build()))
                .build();
    }

    /** The start-up the scaler counts on for a new worker: {@link #COLD_STARTUP_SECONDS} or, with a warm pool,
     *  {@link #WARM_STARTUP_SECONDS}. */
    public int startupSeconds() {
        return startupSeconds;
    }

    public Vpc vpc() {
        return vpc;
    }

    public Cluster cluster() {
        return cluster;
    }

    public AutoScalingGroup instances() {
        return instances;
    }

    public Ec2TaskDefinition taskDefinition() {
        return taskDefinition;
    }

    public Ec2Service service() {
        return service;
    }

    public Role instanceRole() {
        return instanceRole;
    }

    public LogGroup logs() {
        return logs;
    }
}
