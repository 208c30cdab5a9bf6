package dev.parley.client.chat;

/** Where a contact stands with this user. */
public enum ContactState {
    /** This user asked; no answer yet. */
    REQUESTED,
    /** They asked; this user has not answered. */
    PENDING,
    /** Both agreed: presence and messages flow. */
    ACCEPTED,
    /** They declined this user's request. */
    DECLINED_BY_THEM,
    /** This user declined their request: further requests from them are dropped silently. */
    DECLINED
}
