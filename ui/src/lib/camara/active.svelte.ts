// There is one camera: the view that opened it last has it. An older view still on screen
// says so and offers to take it back, instead of showing a frozen picture.
let owner = $state(0);
let next = 0;

export const camera = {
  /** Take the camera for a new view; returns that view's ticket. */
  take(): number {
    next += 1;
    owner = next;
    return next;
  },
  /** Whether the view with `ticket` has the camera now. */
  has(ticket: number): boolean {
    return owner === ticket;
  },
};
