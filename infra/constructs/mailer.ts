// E-mail through SES v2. The sender identity (domain or address) is verified once by hand after the first
// deploy (docs/deploy.md); this construct holds who sends, what that may do, and the configuration set every
// message goes through: addresses that bounce hard or complain land on SES's account-level suppression list
// and get no more mail, and sends, deliveries, bounces and complaints become CloudWatch metrics
// (docs/operations.md, SES).
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { mailAddress } from '../config.ts';

/** The CloudWatch dimension of the configuration set's event metrics (SES fills this auto-tag with the set's name). */
export const SES_METRIC_DIMENSION = 'ses:configuration-set';

export class Mailer extends Construct {
  /** MAIL_FROM as the functions get it ("GradHelper <no-reply@example.com>"). */
  readonly mailFrom: string;
  /** The bare address the ses:FromAddress condition pins. */
  readonly fromAddress: string;
  /** Every message is sent through it (SES_CONFIGURATION_SET). */
  readonly configurationSet: ses.ConfigurationSet;
  /** How cdk-nag prints the identity resource (for the IAM5 acknowledgment). */
  readonly identityArnPattern = 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*';
  readonly wildcardReason =
    'SES authorises SendEmail against the sender identity and, while the account is in the SES sandbox, every recipient identity too, so the resource is all identities of this account and region; the ses:FromAddress condition pins the sender to the configured MAIL_FROM address.';

  constructor(scope: Construct, id: string, props: { mailFrom: string }) {
    super(scope, id);
    this.mailFrom = props.mailFrom;
    this.fromAddress = mailAddress(props.mailFrom);
    this.configurationSet = new ses.ConfigurationSet(this, 'configuration-set', {
      // A hard bounce or a complaint puts the address on the account-level suppression list: SES drops later
      // mail to it instead of sending it (and counting it against the account's reputation again).
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      // Reputation.BounceRate / Reputation.ComplaintRate, which the SES alarms read.
      reputationMetrics: true,
    });
    this.configurationSet.addEventDestination('metrics', {
      destination: ses.EventDestination.cloudWatchDimensions([
        // An SES auto-tag: SES fills it with the set's name; the default is that name too, as SES's guide does it.
        { name: SES_METRIC_DIMENSION, source: ses.CloudWatchDimensionSource.MESSAGE_TAG, defaultValue: this.configurationSet.configurationSetName },
      ]),
      events: [
        ses.EmailSendingEvent.SEND,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.REJECT,
      ],
    });
  }

  /** SendEmail from MAIL_FROM only; through the configuration set, which SES authorises as a resource too. */
  sendStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'SendMail',
      actions: ['ses:SendEmail'],
      resources: [
        `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`,
        `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${this.configurationSet.configurationSetName}`,
      ],
      conditions: { StringEquals: { 'ses:FromAddress': this.fromAddress } },
    });
  }
}
