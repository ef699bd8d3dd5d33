/** The route the overview calls. */
import { apiRequest } from '../api';
import type { Overview } from './overview-types';

/** The overview within the signed-in user's scope. */
export function fetchOverview(): Promise<Overview> {
  return apiRequest<Overview>('/api/v1/overview');
}
