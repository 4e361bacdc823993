"""What to deploy, as plain data: pure functions from a validated config to manifests, chart values, image specs
and the gateway's option data. No Pulumi import anywhere in this package; ``components`` declares the results."""
