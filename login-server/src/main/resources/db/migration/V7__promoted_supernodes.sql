-- Self-organizing overlay (docs/architecture.md "Self-organizing overlay"): super-node keys the
-- login server promoted (clients chosen by its policy, no operator token) beside enrolled ones.
-- 'enrolled': an operator's token (6 h certificates); 'promoted': chosen by the policy (short
-- certificates, renewed while it serves); 'demoted': no renewal until promoted again.
ALTER TABLE supernodes ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'enrolled';
