export { fileStorage } from './storage/file';
