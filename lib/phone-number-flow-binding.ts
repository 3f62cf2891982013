import { Annotations, CustomResource, Resource, Token } from 'aws-cdk-lib';
import { CfnPhoneNumber, IContactFlowRef, IPhoneNumberRef } from 'aws-cdk-lib/aws-connect';
import { Construct } from 'constructs';
import {
  FORMAT_VERSION,
  PhoneNumberFlowBindingProperties,
  ResourceTypes,
  parseTargetArn,
  validateFlowInTarget,
  validatePhoneNumberFlowBinding,
} from '../lambda/contract';
import { ClaimedPhoneNumber } from './claimed-phone-number';
import { throwIfInvalid } from './private/errors';
import { PhoneNumbersProvider } from './private/provider';
import { contactFlowArnOf, exactlyOne } from './private/refs';
import { registerOnce } from './private/stack-registry';

/** Properties of a PhoneNumberFlowBinding: a number, and the contact flow that answers its calls. */
export interface PhoneNumberFlowBindingProps {
  /**
   * The number whose inbound calls the flow answers: a `ClaimedPhoneNumber`, a number imported with
   * `ClaimedPhoneNumber.fromPhoneNumberArn`, a `CfnPhoneNumber`, or any `IPhoneNumberRef`.
   */
  readonly phoneNumber: IPhoneNumberRef;
  /**
   * The ARN of the contact flow, e.g. 'arn:aws:connect:us-east-1:123456789012:instance/ID/contact-flow/ID'.
   * The instance is read from it. Set exactly one of `contactFlowArn` and `contactFlow`.
   * @default - none: `contactFlow` names the flow
   */
  readonly contactFlowArn?: string;
  /**
   * The contact flow: a `CfnContactFlow`, or any `IContactFlowRef`.
   * @default - none: `contactFlowArn` names the flow
   */
  readonly contactFlow?: IContactFlowRef;
  /**
   * Transfer a number that a live `PhoneNumberFlowBinding` of ANOTHER stack binds: this binding takes it
   * over, and the former binding's later deploys fail naming this one while its delete leaves the number
   * bound. Without it, binding such a number fails before any change, naming the holder.
   * @default false
   */
  readonly takeOver?: boolean;
}

/**
 * Binds a phone number to the contact flow that answers it. Changing the flow updates the binding in
 * place; deleting the binding unbinds the number only while it is still bound to this flow. When a
 * `ClaimedPhoneNumber` moves to another target, the binding runs again after the move and binds the
 * number in its new target (the service does not carry the binding along).
 *
 * @resource Custom::PhoneNumberFlowBinding
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import { ClaimedPhoneNumber, PhoneNumberFlowBinding } from 'cdk-phone-numbers';
 *
 * const stack = new Stack(new App(), 'ContactCenter', { env: { account: '123456789012', region: 'us-east-1' } });
 * const instanceArn = 'arn:aws:connect:us-east-1:123456789012:instance/4f6b5f07-9d1a-4c55-8e3b-2a7c1d9e0b64';
 * const support = new ClaimedPhoneNumber(stack, 'Support', { targetArn: instanceArn, phoneNumber: '+12065550100' });
 *
 * // The flow must be in the instance the number is claimed to.
 * new PhoneNumberFlowBinding(stack, 'SupportFlow', {
 *   phoneNumber: support,
 *   contactFlowArn: `${instanceArn}/contact-flow/8e2d4c61-3b7a-4f09-a5d2-c1e6f8b3a947`,
 * });
 *
 * // A number another stack binds, transferred here (without takeOver the deploy fails naming that binding).
 * const shared = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Shared',
 *   'arn:aws:connect:us-east-1:123456789012:phone-number/0c3a9e52-7d4b-4f1e-9a86-5b2d8c7e1f30');
 * new PhoneNumberFlowBinding(stack, 'SharedFlow', {
 *   phoneNumber: shared,
 *   contactFlowArn: `${instanceArn}/contact-flow/8e2d4c61-3b7a-4f09-a5d2-c1e6f8b3a947`,
 *   takeOver: true,
 * });
 */
export class PhoneNumberFlowBinding extends Resource {
  /**
   * The ARN of the contact flow the number rings, as bound (the handler answers it once the number is
   * bound to it): reference it to tell, or to depend on, which flow answers the number.
   * @attribute
   */
  public readonly contactFlowArn: string;

  constructor(scope: Construct, id: string, props: PhoneNumberFlowBindingProps) {
    super(scope, id);

    throwIfInvalid(
      this,
      exactlyOne({ contactFlowArn: props.contactFlowArn, contactFlow: props.contactFlow }, 'the flow that answers the number'),
    );
    const contactFlowArn = contactFlowArnOf(props)!;
    const phoneNumberArn = props.phoneNumber.phoneNumberRef.phoneNumberArn;
    const declared = declaredTarget(props.phoneNumber);
    const properties: PhoneNumberFlowBindingProperties = {
      FormatVersion: FORMAT_VERSION,
      PhoneNumberArn: phoneNumberArn,
      ContactFlowArn: contactFlowArn,
      // The number's target: when the number moves it changes, so this binding runs again after the move.
      PhoneNumberTargetArn: declared?.targetArn,
      TakeOver: props.takeOver ? 'true' : undefined,
    };
    throwIfInvalid(this, validatePhoneNumberFlowBinding(properties, Token.isUnresolved));

    if (declared && !Token.isUnresolved(declared.declaredTargetArn) && !Token.isUnresolved(contactFlowArn)) {
      throwIfInvalid(this, validateFlowInTarget(contactFlowArn, declared.declaredTargetArn));
      if (parseTargetArn(declared.declaredTargetArn)?.kind === 'traffic-distribution-group') {
        Annotations.of(this).addWarningV2(
          'cdk-phone-numbers:flowOfTrafficDistributionGroup',
          `${props.phoneNumber.node.path} is claimed to the traffic distribution group '${declared.declaredTargetArn}'; ` +
            `check that the flow '${contactFlowArn}' is in the instance that group belongs to (or its replica).`,
        );
      }
    }

    const previous = registerOnce(this, 'flow-binding', phoneNumberArn, this);
    if (previous !== undefined) {
      throwIfInvalid(this, [
        `the number '${describeNumber(props.phoneNumber)}' is already bound by ${previous}; a number rings one flow. ` +
          'Keep one PhoneNumberFlowBinding per number and change its contactFlowArn.',
      ]);
    }

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: PhoneNumbersProvider.of(this).serviceToken,
      resourceType: ResourceTypes.PHONE_NUMBER_FLOW_BINDING,
      properties,
    });
    this.contactFlowArn = resource.getAttString('ContactFlowArn');
  }
}

function describeNumber(phoneNumber: IPhoneNumberRef): string {
  const arn = phoneNumber.phoneNumberRef.phoneNumberArn;
  return Token.isUnresolved(arn) ? phoneNumber.node.path : arn;
}

/**
 * Where a number of this app is claimed to: for a ClaimedPhoneNumber its `TargetArn` attribute (which
 * changes when it moves) and its target as declared; for a CfnPhoneNumber its `targetArn` property (both).
 * Undefined for a number imported by ARN: the handler reads it.
 */
function declaredTarget(phoneNumber: IPhoneNumberRef): { targetArn: string; declaredTargetArn: string } | undefined {
  if (phoneNumber instanceof ClaimedPhoneNumber)
    return { targetArn: phoneNumber.targetArn, declaredTargetArn: phoneNumber._declaredTargetArn };
  if (CfnPhoneNumber.isCfnPhoneNumber(phoneNumber)) return { targetArn: phoneNumber.targetArn, declaredTargetArn: phoneNumber.targetArn };
  return undefined;
}
