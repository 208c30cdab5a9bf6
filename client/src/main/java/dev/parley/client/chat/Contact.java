package dev.parley.client.chat;

/**
 * One entry of the contact list.
 *
 * @param username canonical name
 * @param state where the contact stands
 * @param presence its last presence pushed to this user ({@link Presence#OFFLINE} unless accepted and online)
 * @param requestText the text of their request (or of this user's), "" for none
 */
public record Contact(String username, ContactState state, Presence presence, String requestText) {}
