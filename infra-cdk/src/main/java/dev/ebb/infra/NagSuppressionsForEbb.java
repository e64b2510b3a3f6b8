package dev.ebb.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.List;
import software.amazon.awscdk.services.lambda.Alias;
import software.constructs.IConstruct;

/**
 * Every cdk-nag AwsSolutions finding Ebb accepts, each on the narrowest construct and, for wildcard findings, only
 * the exact wildcard, with its reason. Anything not listed here fails synth.
 */
final class NagSuppressionsForEbb {
    static final String BASIC_EXECUTION_ROLE =
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

    /** CDK's table grants cover the table's indexes: the jobs table has one, the sparse dead-letter index. */
    private static final RegexAppliesTo JOBS_INDEXES = regex("^Resource::<TablesJobs[0-9A-F]+\\.Arn>/index/\\*$");
    private static final String JOBS_INDEXES_REASON = "CDK's jobs-table grants include its indexes (index/*); "
            + "the table has one, the sparse dead-letter index, which holds only job ids.";

    private NagSuppressionsForEbb() {
    }

    /**
     * What AWSLambdaBasicExecutionRole really grants: logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents
     * on every resource ("*"), so any log group of the account, not only the function's own.
     */
    static final String BASIC_EXECUTION_ROLE_REASON = "AWSLambdaBasicExecutionRole grants logs:CreateLogGroup, "
            + "logs:CreateLogStream and logs:PutLogEvents on Resource \"*\" (any log group of the account, not only "
            + "the function's own) and nothing else: no reads, no data. Accepted as the standard Lambda logging "
            + "policy; every data permission is granted per resource.";

    static void apply(EbbStack stack) {
        GpuWorkers workers = stack.workers();
        Functions functions = stack.functions();

        for (Alias alias : functions.all()) {
            IConstruct function = alias.getVersion().getLambda();
            suppress(function, "AwsSolutions-L1", "The functions are built for Java 21 (the project's release target "
                    + "and the newest LTS runtime SnapStart is used with here); moving to a newer runtime is a "
                    + "deliberate upgrade of the whole build, not a template change.");
            suppress(function, "AwsSolutions-IAM4", BASIC_EXECUTION_ROLE_REASON, BASIC_EXECUTION_ROLE);
            if (alias != functions.upload() && alias != functions.scaler() && alias != functions.submit()
                    && alias != functions.queueWorker() && alias != functions.get()
                    && alias != functions.createUpload()) { // their own IAM5 below
                suppress(function, "AwsSolutions-IAM5", JOBS_INDEXES_REASON, JOBS_INDEXES);
            }
        }
        NagSuppressions.addResourceSuppressionsByPath(stack,
                "/" + stack.getStackName() + "/BucketNotificationsHandler050a0587b7544547bf325f094a3db834/Role/Resource",
                List.of(rule("AwsSolutions-IAM4", "CDK's own handler that writes the bucket's notification "
                        + "configuration at deploy time. " + BASIC_EXECUTION_ROLE_REASON, BASIC_EXECUTION_ROLE)));

        suppress(functions.upload().getVersion().getLambda(), "AwsSolutions-IAM5", "The upload function reads the objects under uploads/ "
                + "and writes large inputs under inputs/ (object ARNs need a wildcard for the key); nothing else in "
                + "the bucket. " + JOBS_INDEXES_REASON,
                regex("^Resource::<DataBucket[0-9A-F]+\\.Arn>/(uploads|inputs)/\\*$"), JOBS_INDEXES);
        suppress(functions.createUpload().getVersion().getLambda(), "AwsSolutions-IAM5", "The presigned URLs this "
                + "function signs carry its rights: put only, under uploads/ (object ARNs need a wildcard for the key "
                + "the client uploads to). " + JOBS_INDEXES_REASON,
                regex("^Resource::<DataBucket[0-9A-F]+\\.Arn>/uploads/\\*$"), JOBS_INDEXES);
        suppress(functions.submit().getVersion().getLambda(), "AwsSolutions-IAM5", "Submit writes inputs too large "
                + "for a queue message as objects under inputs/ (object ARNs need a wildcard for the key); put only. "
                + JOBS_INDEXES_REASON, regex("^Resource::<DataBucket[0-9A-F]+\\.Arn>/inputs/\\*$"), JOBS_INDEXES);
        suppress(functions.queueWorker().getVersion().getLambda(), "AwsSolutions-IAM5", "The cpu lane reads large "
                + "inputs, objects under inputs/ (get only), and writes large results under results/ (put only); "
                + "object ARNs need a wildcard for the key. "
                + JOBS_INDEXES_REASON, regex("^Resource::<DataBucket[0-9A-F]+\\.Arn>/(inputs|results)/\\*$"),
                JOBS_INDEXES);
        suppress(functions.get().getVersion().getLambda(), "AwsSolutions-IAM5", "The get function reads results too "
                + "large for a job item, objects under results/ (object ARNs need a wildcard for the key); get only. "
                + JOBS_INDEXES_REASON, regex("^Resource::<DataBucket[0-9A-F]+\\.Arn>/results/\\*$"), JOBS_INDEXES);
        suppress(functions.scaler().getVersion().getLambda(), "AwsSolutions-IAM5", "ecs:GetTaskProtection names tasks, whose ids exist only "
                + "at run time; the statement is limited to this cluster's tasks. ecs:ListTasks has no resource-level "
                + "permission; its statement is limited to the worker cluster by an ecs:cluster condition. "
                + JOBS_INDEXES_REASON,
                regex("^Resource::arn:.*:ecs:.*:task/<GpuWorkersCluster[0-9A-F]+>/\\*$"), "Resource::*",
                JOBS_INDEXES);
        suppress(workers.taskDefinition().getTaskRole(), "AwsSolutions-IAM5", "The worker reads large inputs "
                + "under inputs/ and writes large results under results/ of the data bucket (object ARNs need a "
                + "wildcard for the key); it has no bucket-level, other prefixes' or other buckets' rights. Task scale-in protection (through the ECS agent endpoint) "
                + "names its own task, whose id exists only at run time: limited to this cluster's tasks. "
                + JOBS_INDEXES_REASON,
                regex("^Resource::<DataBucket[0-9A-F]+\\.Arn>/(inputs|results)/\\*$"),
                regex("^Resource::arn:.*:ecs:.*:task/<GpuWorkersCluster[0-9A-F]+>/\\*$"), JOBS_INDEXES);
        suppress(workers.taskDefinition().obtainExecutionRole(), "AwsSolutions-IAM5", "ecr:GetAuthorizationToken, "
                + "needed to pull the worker image, supports no resource-level permission.", "Resource::*");
        suppress(workers.instanceRole(), "AwsSolutions-IAM5", "The ECS container-instance rights CDK grants "
                + "the agent (register, poll, submit state changes, get an ECR token); several ECS agent actions "
                + "support no resource-level permission.", "Action::ecs:Submit*", "Resource::*");
        suppress(workers.instances(), "AwsSolutions-AS3", "Instances are launched and terminated by the ECS "
                + "capacity provider to follow the service the scaler drives; the group's activity history and the "
                + "ECS service events record every change, and an SNS topic would add cost without a subscriber.");
        suppress(workers.taskDefinition(), "AwsSolutions-ECS2", "The worker's environment holds only resource names "
                + "(queue URL, table and bucket names) and tuning values, no secrets; the API keys live hashed in "
                + "DynamoDB.");
        suppress(stack.observability().topic(), "AwsSolutions-SNS2", "Alarm notifications carry only the alarm's name "
                + "and state; CloudWatch can publish to an encrypted topic only through a customer-managed KMS key, "
                + "which would be the stack's only fixed monthly charge.");
        suppress(stack.api().api(), "AwsSolutions-APIG4", "Every route is authenticated by the function it invokes: "
                + "the API key is hashed and looked up in the keys table, which also yields the tenant that scopes "
                + "every query (see Api). A Lambda authorizer would repeat that lookup in a second function.");
    }

    private static void suppress(IConstruct construct, String id, String reason, Object... appliesTo) {
        NagSuppressions.addResourceSuppressions(construct, List.of(rule(id, reason, appliesTo)), true);
    }

    private static NagPackSuppression rule(String id, String reason, Object... appliesTo) {
        NagPackSuppression.Builder rule = NagPackSuppression.builder().id(id).reason(reason);
        if (appliesTo.length > 0) {
            rule.appliesTo(List.of(appliesTo));
        }
        return rule.build();
    }

    private static RegexAppliesTo regex(String pattern) {
        return RegexAppliesTo.builder().regex("/" + pattern + "/").build();
    }
}
