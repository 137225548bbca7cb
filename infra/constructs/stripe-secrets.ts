// The two Stripe secrets: the API secret key (creates, reads and cancels PaymentIntents, makes refunds) and the
// webhook endpoint's signing secret (`whsec_...`, checks each event). Created empty of meaning (a generated
// placeholder) and filled in by an operator after the first deploy (docs/deploy.md); until then payments answer
// 503 (an invalid key) and every webhook delivery 400 (no valid signature). Never in the template or cdk.json.
import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export class StripeSecrets extends Construct {
  readonly secretKey: secretsmanager.Secret;
  readonly webhookSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const placeholder = { passwordLength: 32, excludePunctuation: true, includeSpace: false };
    this.secretKey = new secretsmanager.Secret(this, 'secret-key', {
      description: 'GradHelper: the Stripe API secret key (sk_live_... or sk_test_...); put the real value in after the first deploy (docs/deploy.md).',
      generateSecretString: placeholder,
    });
    this.webhookSecret = new secretsmanager.Secret(this, 'webhook-secret', {
      description: "GradHelper: the signing secret (whsec_...) of the Stripe webhook endpoint registered at the StripeWebhookUrl output.",
      generateSecretString: placeholder,
    });
    for (const secret of [this.secretKey, this.webhookSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Stripe issues these values: the API key is rolled in the Stripe dashboard and the signing secret changes when the endpoint is re-registered; Secrets Manager cannot rotate either, an operator puts the new value in (docs/deploy.md).',
      });
    }
  }
}
