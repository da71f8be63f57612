// The follow form's one field, parsed the way account forms parse an email.
import { z } from "zod";
import { EmailField } from "~/modules/accounts/forms";

export const FollowSchema = z.object({ email: EmailField });
