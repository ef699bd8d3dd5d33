/** The plant's work centers, loaded once per screen, for filters, the editor and names in lists. */
import { useEffect, useState } from 'react';
import { listWorkCenters } from './orders-api';
import type { WorkCenter } from './order-types';

/** The work centers (empty until loaded or when the plant cannot be read) and a name for an id. */
export function useWorkCenters(): { readonly workCenters: readonly WorkCenter[]; readonly nameOf: (id: string) => string } {
  const [workCenters, setWorkCenters] = useState<readonly WorkCenter[]>([]);
  useEffect(() => {
    let live = true;
    listWorkCenters().then(
      (loaded) => live && setWorkCenters(loaded),
      () => undefined, // The screens still work with ids when the plant cannot be read.
    );
    return () => {
      live = false;
    };
  }, []);
  const nameOf = (id: string) => {
    const found = workCenters.find((center) => center.id === id);
    return found === undefined ? id : `${found.name} (${found.code})`;
  };
  return { workCenters, nameOf };
}
