/** CloudFormation resource types served by the one handler of a stack. */
export const ResourceTypes = {
  CLAIMED_PHONE_NUMBER: 'Custom::ClaimedPhoneNumber',
  PHONE_NUMBER_FLOW_BINDING: 'Custom::PhoneNumberFlowBinding',
  VOICE_CONNECTOR_NUMBERS: 'Custom::VoiceConnectorNumbers',
} as const;

export type ResourceType = (typeof ResourceTypes)[keyof typeof ResourceTypes];

/**
 * Version of the property shapes below. The handler reads events of every version up to this one,
 * so a stack deployed with an older library still updates and deletes correctly.
 */
export const FORMAT_VERSION = '1';

/** Tag key the handler writes on every number a `ClaimedPhoneNumber` owns. */
export const OWNER_TAG_KEY = 'cdk-phone-numbers:owner';

/** Tags a user may declare: the service allows 50 and the handler adds the ownership tag. */
export const MAX_USER_TAGS = 49;
