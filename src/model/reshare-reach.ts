/**
 * How many units a re-share may take in beyond what the changes touch, widening to keep max-min exact. A swarm
 * whose uploaders and downloaders are all at their limits couples every flow to every other, and a change can
 * move rates across all of it: Kraken's validation case at 300 nodes with p2p.peers 10 re-filled 800 units a
 * change on average (31 at the default 4), and at 1,200 nodes took 474 CPU-seconds. Past the reach, the flows
 * the check still finds out of line keep their rates until a later change reaches them: rates stay feasible (a
 * fill never gives out more than a capacity has left); the far side of a change is for a while less fair, or
 * leaves a little room unused. That case then took 69.6 CPU-seconds, p50 12.43 s against 12.52 exact and p99
 * 18.78 s against 18.94. The default cases rarely widen this far (bench/fleet-model.ts's P2P case at 2,000 nodes
 * in 2 of 171,000 re-shares, Kraken's at 1,200 nodes in 1 of 86,000), and every figure bench/validation.ts and
 * bench/fleet-model.ts print is unchanged (a bound of 64 units on the whole re-share moved Kraken's p50 at 2,600
 * nodes by 3.5%).
 */
export const RESHARE_REACH = 256;
