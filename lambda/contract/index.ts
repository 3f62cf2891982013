export * from './arns';
export * from './properties';
export * from './resource-types';
export * from './service-enums';
export * from './validators';
