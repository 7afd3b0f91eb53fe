export { AutosaveProvider, useAutosave } from './context';
export { useSaveStatus } from './useSaveStatus';
export { useUnsavedChangesWarning } from './useUnsavedChangesWarning';
export { SaveStatusIndicator } from './SaveStatusIndicator';
export { AutosaveGate, useLoadStatus } from './AutosaveGate';
export { useHistory, useStorageUsage } from './useStored';

export type { AnyAutosave, AutosaveProviderProps } from './context';
export type { OverallStatus } from './useSaveStatus';
export type { SaveStatusIndicatorProps } from './SaveStatusIndicator';
export type { AutosaveGateProps } from './AutosaveGate';
