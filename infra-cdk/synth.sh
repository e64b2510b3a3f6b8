#!/usr/bin/env bash
# Offline `cdk synth` of the Ebb stack with the pinned CLI, then cfn-guard's bundled rules on the template.
# Maven runs it in infra-cdk's verify phase (after the app and the functions' -lambda.jar are built); by hand:
#   mvn -B -ntp -DskipTests package -pl infra-cdk -am && infra-cdk/synth.sh
# Fails when Node.js/npm are missing, when synth fails (cdk-nag errors included), or when cfn-guard reports a
# failure that guard-explained.txt does not list with its reason.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

fail() { echo "synth.sh: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || fail "needs Node.js 20 or newer (node) for the CDK CLI; install it, or skip this step with -Debb.synth.skip=true"
command -v npm >/dev/null 2>&1 || fail "needs npm to install the pinned CDK CLI; install it, or skip this step with -Debb.synth.skip=true"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "needs Node.js 20 or newer; found $(node --version)"

# The pinned tools (package-lock.json): aws-cdk 2.1148.1 and cfn-guard with its rules. Installed once.
if [ ! -x node_modules/.bin/cdk ] || [ ! -d node_modules/@cdklabs/cdk-validator-cfnguard ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "synth.sh: installing the pinned CDK CLI and cfn-guard (npm ci) ..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

[ -d target/classes ] && [ -d target/lib ] || fail "the app is not built; run: mvn -B -ntp -DskipTests package -pl infra-cdk -am"
if [ -n "${JAVA_HOME:-}" ]; then
  export PATH="$JAVA_HOME/bin:$PATH"
fi

# No network at synth: no notices, no version check, no telemetry, the local CLI (npx would check for updates).
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
rm -rf cdk.out
started=$SECONDS
node_modules/.bin/cdk synth --no-notices --quiet --output cdk.out "$@" >&2
template=cdk.out/Ebb.template.json
[ -s "$template" ] || fail "cdk synth wrote no $template"
echo "synth.sh: cdk synth wrote $template ($(wc -c <"$template") bytes) in $((SECONDS - started)) s" >&2

# cfn-guard with the rules the npm package bundles (AWS Control Tower proactive controls).
guard_dir=node_modules/@cdklabs/cdk-validator-cfnguard
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) guard="$guard_dir/bin/ubuntu/x86_64/cfn-guard" ;;
  Linux/aarch64) guard="$guard_dir/bin/ubuntu/aarch64/cfn-guard" ;;
  Darwin/x86_64) guard="$guard_dir/bin/macos/x86_64/cfn-guard" ;;
  Darwin/arm64) guard="$guard_dir/bin/macos/aarch64/cfn-guard" ;;
  *) fail "no cfn-guard binary for $(uname -s)/$(uname -m) in $guard_dir" ;;
esac
report=cdk.out/cfn-guard.txt
set +e
"$guard" validate --rules "$guard_dir/rules/control-tower/cfn-guard" --data "$template" --show-summary none >"$report"
status=$?
set -e
# 0: all pass; 19: some rule failed (listed in the report); anything else: cfn-guard itself failed.
[ "$status" -eq 0 ] || [ "$status" -eq 19 ] || fail "cfn-guard exited $status (report: infra-cdk/$report)"

# Each failure as "RULE LogicalId" (RULE: the guard file without .guard); explained ones are listed in
# guard-explained.txt as "RULE LogicalIdPrefix reason".
failures="$(awk '/^Evaluating data .* against rules /{rule=$NF; sub(/\.guard$/, "", rule)}
                 /^Resource = /{print rule, $3}' "$report" | sort -u)"
unexplained=""
total=0
while read -r rule id; do
  [ -n "$rule" ] || continue
  total=$((total + 1))
  explained=no
  while read -r e_rule e_prefix e_reason; do
    case "$e_rule" in ''|'#'*) continue ;; esac
    [ -n "$e_reason" ] || fail "guard-explained.txt: '$e_rule $e_prefix' has no reason"
    if [ "$e_rule" = "$rule" ] && [ "${id#"$e_prefix"}" != "$id" ]; then explained=yes; break; fi
  done <guard-explained.txt
  [ "$explained" = yes ] || unexplained+="  $rule $id"$'\n'
done <<<"$failures"
echo "synth.sh: cfn-guard: $total failure(s) (rule, resource); all but $(printf '%s' "$unexplained" | grep -c .) explained in guard-explained.txt (report: infra-cdk/$report)" >&2
if [ -n "$unexplained" ]; then
  echo "synth.sh: cfn-guard failures nobody explained (fix them, or add 'RULE LogicalIdPrefix reason' to guard-explained.txt and docs/deploy.md):" >&2
  printf '%s' "$unexplained" >&2
  exit 1
fi
