export { ClaimedPhoneNumber, PhoneNumberType } from './claimed-phone-number';
export type { ClaimedPhoneNumberProps, IPhoneNumber } from './claimed-phone-number';
export { PhoneNumberFlowBinding } from './phone-number-flow-binding';
export type { PhoneNumberFlowBindingProps } from './phone-number-flow-binding';
export { VoiceConnectorNumbers } from './voice-connector-numbers';
export type { VoiceConnectorNumbersProps } from './voice-connector-numbers';
export { ClaimedPhoneNumbers } from './claimed-phone-numbers';
export type { ClaimedPhoneNumbersProps } from './claimed-phone-numbers';
