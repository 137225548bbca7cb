// E-mail through SES v2. No resource is created here: the sender identity (domain or address) is verified
// once by hand after the first deploy (docs/deploy.md); this construct holds who sends and what that may do.
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { mailAddress } from '../config.ts';

export class Mailer extends Construct {
  /** MAIL_FROM as the functions get it ("GradHelper <no-reply@example.com>"). */
  readonly mailFrom: string;
  /** The bare address the ses:FromAddress condition pins. */
  readonly fromAddress: string;
  /** How cdk-nag prints the identity resource (for the IAM5 acknowledgment). */
  readonly identityArnPattern = 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*';
  readonly wildcardReason =
    'SES authorises SendEmail against the sender identity and, while the account is in the SES sandbox, every recipient identity too, so the resource is all identities of this account and region; the ses:FromAddress condition pins the sender to the configured MAIL_FROM address.';

  constructor(scope: Construct, id: string, props: { mailFrom: string }) {
    super(scope, id);
    this.mailFrom = props.mailFrom;
    this.fromAddress = mailAddress(props.mailFrom);
  }

  sendStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'SendMail',
      actions: ['ses:SendEmail'],
      resources: [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`],
      conditions: { StringEquals: { 'ses:FromAddress': this.fromAddress } },
    });
  }
}
